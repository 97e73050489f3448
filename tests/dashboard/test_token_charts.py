"""Token views and the KL chart, checked on fig.data with hand-made statistics (no model needed)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from core.token_stats import Disagreement, TokenStats
from dashboard.token_charts import kl_per_position, safe, token_disagreement, token_layout, token_probabilities

NAN = math.nan


def make_stats(tokens: list[str]) -> TokenStats:
    n = len(tokens)
    prob = np.array([NAN, *np.linspace(0.1, 0.9, n - 1)])
    top = np.array([[NAN] * 3, *[[0.5, 0.3, 0.1]] * (n - 1)])
    return TokenStats(
        label="model <i>x</i> · fp32",
        ids=list(range(n)),
        tokens=tokens,
        prob=prob,
        surprisal=-np.log(prob),
        entropy=np.array([NAN, *[1.0] * (n - 1)]),
        top_tokens=[[], *[["a", "<script>", "c"]] * (n - 1)],
        top_probs=top,
        vocab_size=10,
    )


def test_layout_flows_tokens_into_lines():
    starts, widths, rows = token_layout(["ab", "cde", "f↵", "g", "hijk"], line_chars=6)
    assert widths == [2, 3, 2, 1, 4]
    assert rows == [0, 0, 1, 2, 2]  # "f↵" overflows the first line; the newline ends its own
    assert starts == [0, 2, 0, 0, 1]
    assert token_layout([]) == ([], [], [])


def test_token_probabilities_colours_scored_tokens_and_greys_the_first():
    stats = make_stats(["The", " cat", " <b>", "↵", " sat"])
    fig = token_probabilities(stats)
    unscored, scored = fig.data
    assert list(unscored.text) == ["The"] and unscored.marker.color == "#d0d0d0"
    assert list(scored.text) == [" cat", " &lt;b&gt;", "↵", " sat"]  # escaped: shown as typed, never as markup
    np.testing.assert_allclose(scored.marker.color, stats.prob[1:])
    assert (scored.marker.cmin, scored.marker.cmax) == (0.0, 1.0)
    hover = scored.hovertext[1]
    assert "&lt;script&gt;" in hover and "<script>" not in hover and "50.0%" in hover and "entropy 1.00" in hover
    assert "&lt;i&gt;" in fig.layout.title.text
    assert list(scored.y) == [0, 0, 0, 1]  # the newline token ends the line


def test_disagreement_is_centred_at_zero():
    frame = pd.DataFrame(
        {
            "position": range(4),
            "token": ["a", "b", "c", "d"],
            "surprisal_a": [NAN, 1.0, 2.0, 0.5],
            "surprisal_b": [NAN, 1.5, 1.0, 0.5],
            "difference": [NAN, -0.5, 1.0, 0.0],
        }
    )
    fig = token_disagreement(Disagreement("A·fp32", "A·nf4", frame))
    scored = fig.data[-1]
    assert list(scored.marker.color) == [-0.5, 1.0, 0.0]
    assert scored.marker.cmid == 0 and scored.marker.cmin == -scored.marker.cmax == -1.0
    assert "+1.00 nats" in scored.hovertext[1]
    # a model against itself: all zeros still make a valid, symmetric scale
    same = frame.assign(difference=[NAN, 0.0, 0.0, 0.0])
    assert token_disagreement(Disagreement("A", "A", same)).data[-1].marker.cmax == 1.0


def test_kl_chart_has_a_line_per_precision_and_marks_divergence():
    kl = {"int8": np.array([0.01, 0.02, 0.03]), "nf4": np.array([0.2, 0.5, 0.1])}
    fig = kl_per_position(kl, {"int8": None, "nf4": 1}, tokens=["The", " sky", " <is>"])
    names = [t.name for t in fig.data]
    assert names == ["int8", "nf4", "nf4: first divergence"]
    assert list(fig.data[1].y) == [0.2, 0.5, 0.1] and list(fig.data[1].x) == [0, 1, 2]
    marker = fig.data[2]
    assert list(marker.x) == [1] and list(marker.y) == [0.5] and marker.marker.symbol == "x"
    assert marker.marker.color == fig.data[1].line.color
    assert list(fig.data[0].customdata)[2] == " &lt;is&gt;"
    assert len(kl_per_position({}).data) == 0


def test_safe_escapes_markup_only():
    assert safe("a < b & <br>") == "a &lt; b &amp; &lt;br&gt;"
    assert safe("猫 🙂 'quoted'") == "猫 🙂 'quoted'"
