"""The Explainer page: one head of a tiny GPT and of MiniLM, step by step, formulas beside numbers."""

import json

from tests.pages.conftest import open_page


def matrix_titles(at) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def open_encoder_tab(at) -> None:
    """What clicking the second tab does: only the open tab's walkthrough is computed."""
    at.session_state["explainer.tab"] = "MiniLM encoder (bidirectional)"
    at.run()
    assert not at.exception


def test_smoke_both_walkthroughs(trained_runs):
    at = open_page("explainer")
    assert at.title[0].value == "Explainer"
    # the default sentence has letters the test run never saw (it was trained on cats and mats)
    assert [e.value for e in at.error] == [
        "These characters never occur in the training text, so the model cannot read them: ',' 'b' 'r'. "
        "Remove them from the prompt."
    ]
    at.text_input(key="explainer.gpt.text").set_value("The cat sat.").run()
    assert not at.error
    assert [t.label for t in at.tabs] == ["Tiny GPT (causal)", "MiniLM encoder (bidirectional)"]
    formulas = [f.value.strip("$\n") for f in at.latex]
    assert r"S = \frac{Q K^\top}{\sqrt{d_k}}" in formulas and r"Z^{(h)} = A V" in formulas
    titles = matrix_titles(at)
    # tiny GPT: 16 dims, 2 heads of 8; T x T matrices are shown whole, wide ones cut to 8 columns
    assert "Q (12 × 8)" in titles and "A (12 × 12)" in titles
    assert "x (12 × 16, columns 0–7 shown)" in titles
    assert "Causal mask" in " ".join(m.value for m in at.markdown)
    assert not any("× 32" in t for t in titles)  # the closed tab computes nothing

    open_encoder_tab(at)
    titles = matrix_titles(at)
    assert "Q (9 × 32, columns 0–7 shown)" in titles  # MiniLM: [CLS] the cat sat on the mat . [SEP]
    assert "No causal mask" in " ".join(m.value for m in at.markdown)
    assert "Q (12 × 8)" not in titles


def test_choosing_another_head_and_a_too_long_sentence(trained_runs):
    at = open_page("explainer")
    at.text_input(key="explainer.gpt.text").set_value("The cat sat.").run()
    before = matrix_titles(at)
    at.selectbox(key="explainer.gpt.head").set_value(1).run()
    assert not at.exception and not at.error
    concat = [t for t in matrix_titles(at) if t.startswith("Concat")]
    assert concat[0] == "Concat (12 × 16, columns 8–15 shown)"  # head 1's own columns
    assert matrix_titles(at) != before
    open_encoder_tab(at)
    at.text_input(key="explainer.encoder.text").set_value("cat " * 30).run()
    assert "at most 24" in at.error[0].value


def test_without_a_gpt_run_one_is_trained(monkeypatch, runs_dir):
    import core.attention_explain
    import dashboard.explainer_views

    real = core.attention_explain.explainer_run
    monkeypatch.setattr(dashboard.explainer_views, "explainer_run", lambda: real(steps=3))
    at = open_page("explainer")
    assert not at.exception and not at.error
    assert at.selectbox(key="explainer.run").value == str(runs_dir / core.attention_explain.EXPLAINER_RUN)
