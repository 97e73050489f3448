"""User and model text reaches figures escaped: Plotly draws <b>, <br> and <a href> in text as markup, so every
builder that shows a token, run name or model name must pass it through dashboard.text.plotly_text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.text import markdown_text, plotly_text, plotly_texts

PAYLOAD = '<a href="javascript:window.__xss=1">x</a><b>bold</b><img src=x onerror=alert(1)>'
ESCAPED = plotly_text(PAYLOAD)


def strings(node) -> list[str]:
    """Every string anywhere in a figure's JSON-ready dict."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings(value)]
    if isinstance(node, list | tuple | np.ndarray):
        return [s for value in node for s in strings(value)]
    return []


def test_plotly_text_escapes_markup_and_nothing_else():
    assert ESCAPED == (
        '&lt;a href="javascript:window.__xss=1"&gt;x&lt;/a&gt;&lt;b&gt;bold&lt;/b&gt;&lt;img src=x onerror=alert(1)&gt;'
    )
    assert plotly_text("猫 🙂 a&b") == "猫 🙂 a&amp;b"
    assert plotly_texts([1, "<br>"]) == ["1", "&lt;br&gt;"]


def _loss_curves():
    from dashboard.charts import loss_curves

    frame = pd.DataFrame({"step": [1, 2], "tokens": [8, 16], "elapsed_s": [0.1, 0.2], "train_loss": [3.0, 2.0]})
    return loss_curves({PAYLOAD: frame.assign(val_loss=[np.nan, 2.5])})


def _slot_figures():
    from dashboard.charts import slot_figures

    return slot_figures([{"label": PAYLOAD, "memory_mb": 10.0, "tokens_per_s": 5.0, "ttft_s": 0.1}])


def _transition():
    from dashboard.inside_charts import transition_heatmap

    return transition_heatmap([PAYLOAD, "a"], np.full((2, 2), 0.5))


def _embedding():
    from dashboard.inside_charts import embedding_scatter

    return embedding_scatter(pd.DataFrame({"x": [0.0], "y": [1.0], "token": [PAYLOAD], "explained": [0.5]}))


def _gates():
    from core.inside import LSTMGates
    from dashboard.inside_charts import gate_heatmaps

    values = np.full((2, 3), 0.5)
    return gate_heatmaps(LSTMGates([PAYLOAD, "a"], values, values, values, values))


def _attention():
    from dashboard.attention_charts import attention_heatmap

    return attention_heatmap(np.tril(np.full((2, 2), 0.5)), [PAYLOAD, "a"], "Layer 0, head 0")


def _lines():
    from dashboard.attention_charts import token_lines

    return token_lines(np.tril(np.full((2, 2), 0.5)), [PAYLOAD, "a"])


def _scale():
    from core.catalog import load_catalog
    from dashboard.scale_charts import params_over_time

    catalog = load_catalog()
    local = catalog.head(1).assign(name=PAYLOAD, local=True)
    return params_over_time(pd.concat([catalog.assign(local=False), local], ignore_index=True))


def _power_law():
    from dashboard.scaling_charts import power_law_chart

    results = pd.DataFrame({"run": [PAYLOAD], "params": [1e4], "val_loss": [2.0], "state": ["completed"]})
    return power_law_chart(results, "params", None)


BUILDERS = [_loss_curves, _slot_figures, _transition, _embedding, _gates, _attention, _lines, _scale, _power_law]


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__.strip("_"))
def test_figures_show_user_text_escaped(build):
    texts = strings(build().to_plotly_json())
    assert not any("<a " in s or "<img" in s or "<b>bold" in s for s in texts)
    assert any(ESCAPED in s for s in texts)


@pytest.mark.parametrize(
    "name",
    ["[click](javascript:alert(1))", "![x](http://example.com/beacon.png)", "<img src=x>", ":red[alarm]", "**b** $x$"],
)
def test_markdown_text_leaves_no_markdown_construct_standing(name):
    import re

    escaped = markdown_text(name)
    assert re.sub(r"\\(.)", r"\1", escaped) == name  # removing the escapes gives the text back
    assert not re.search(r"(?<!\\)[\[<*$]", escaped)  # every character that could open a construct is escaped


def test_markdown_text_keeps_ordinary_names_readable():
    assert markdown_text("tiny-llama0 · fp32 猫") == "tiny-llama0 · fp32 猫"
