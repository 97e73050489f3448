import numpy as np
import pandas as pd
import pytest

from dashboard.attention_charts import (
    LINE_THRESHOLD,
    METRICS,
    attention_heatmap,
    head_grid,
    matrix_figure,
    strongest_heads,
    summary_heatmap,
    token_lines,
)

TOKENS = ["The", "·cat", "·sat", "·the", "<b>"]


def causal_uniform(T: int) -> np.ndarray:
    return np.tril(np.ones((T, T))) / np.arange(1, T + 1)[:, None]


def test_heatmap_puts_queries_down_the_side_and_keys_along_the_bottom():
    w = causal_uniform(5)
    fig = attention_heatmap(w, TOKENS, "layer 0 · head 1")
    [trace] = fig.data
    np.testing.assert_allclose(trace.z, w, atol=1e-4)  # row i = query i
    assert list(fig.layout.yaxis.ticktext) == ["The", "·cat", "·sat", "·the", "&lt;b&gt;"]  # markup stays text
    assert list(fig.layout.xaxis.ticktext) == list(fig.layout.yaxis.ticktext)
    assert fig.layout.yaxis.autorange == "reversed"  # row 0 at the top
    assert (trace.zmin, trace.zmax, trace.colorscale[0][1]) == (0.0, 1.0, "#440154")  # Viridis, fixed 0–1
    assert "0–1" in trace.colorbar.title.text
    assert fig.layout.title.text == "layer 0 · head 1"


def test_heatmap_hover_names_query_and_key_with_the_exact_weight():
    fig = attention_heatmap(causal_uniform(5), TOKENS, "t")
    trace = fig.data[0]
    assert tuple(trace.customdata[3][1]) == ("·the", "·cat")  # query 3 -> key 1
    assert "%{customdata[0]} → %{customdata[1]}: %{z:.3f}" in trace.hovertemplate


def test_repeated_tokens_keep_their_own_rows():
    tokens = ["a", "b", "a", "b"]
    fig = attention_heatmap(causal_uniform(4), tokens, "t")
    assert list(fig.data[0].y) == [0, 1, 2, 3] and list(fig.layout.yaxis.ticktext) == tokens


def test_mismatched_tokens_are_refused():
    with pytest.raises(ValueError, match="3 tokens"):
        attention_heatmap(causal_uniform(4), ["a", "b", "c"], "t")


def test_head_grid_draws_every_head_on_one_colour_scale():
    w = np.stack([causal_uniform(5)] * 9)
    fig = head_grid(w, TOKENS, layer=3)
    assert len(fig.data) == 9 and all(t.coloraxis == "coloraxis" for t in fig.data)
    assert (fig.layout.coloraxis.cmin, fig.layout.coloraxis.cmax) == (0.0, 1.0)
    assert [a.text for a in fig.layout.annotations][:2] == ["head 0", "head 1"]
    assert "layer 3" in fig.layout.title.text
    assert fig.layout.yaxis9.autorange == "reversed"  # a 3 x 3 grid


def test_head_grid_of_a_long_text_hovers_positions_only():
    tokens = [f"t{i}" for i in range(60)]
    fig = head_grid(np.stack([causal_uniform(60)] * 4), tokens)
    assert fig.data[0].customdata is None and "key %{x}" in fig.data[0].hovertemplate
    assert fig.layout.title.text == "All 4 heads (hover for positions)"


def summary() -> pd.DataFrame:
    rows = [
        dict(
            layer=ly,
            head=h,
            previous_token=0.1 * h,
            sink=0.2 * ly,
            entropy=1.0 + ly,
            mean_distance=2.0,
            induction=np.nan,
        )
        for ly in range(3)
        for h in range(4)
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("metric", list(METRICS))
def test_summary_heatmap_is_layer_by_head_with_a_clear_title(metric):
    fig = summary_heatmap(summary(), metric)
    trace, cells = fig.data
    assert np.asarray(trace.z).shape == (3, 4) and list(trace.x) == [0, 1, 2, 3] and list(trace.y) == [0, 1, 2]
    assert fig.layout.title.text.startswith(METRICS[metric][0])
    assert tuple(fig.layout.yaxis.range) == (2.5, -0.5)  # layer 0 at the top
    # invisible markers on the cells carry the hover and the click that opens a head
    assert len(cells.x) == 12 and cells.marker.opacity == 0 and cells.selected.marker.opacity == 1
    assert fig.layout.clickmode == "event+select"


def test_summary_values_and_unmeasured_induction():
    s = summary()
    assert summary_heatmap(s, "previous_token").data[0].z[2][3] == pytest.approx(0.3)
    assert "not measured" in summary_heatmap(s, "induction").layout.title.text


def test_strongest_heads_rank_by_metric_and_most_focused_for_entropy():
    s = summary()
    top = strongest_heads(s, "previous_token", n=2)
    assert list(top["head"]) == [3, 3] and list(top.columns) == ["layer", "head", "previous_token"]
    assert list(strongest_heads(s, "entropy", n=1)["layer"]) == [0]
    assert strongest_heads(s, "induction").empty


def test_token_lines_draw_one_line_per_weight_above_the_threshold():
    w = causal_uniform(5)
    w[4] = [0.005, 0.005, 0.49, 0.0, 0.5]  # two weights under the threshold
    fig = token_lines(w, TOKENS)
    lines = [t for t in fig.data if t.mode == "lines"]
    n_lines = sum(len(t.x) // 3 for t in lines)
    assert n_lines == int((w >= LINE_THRESHOLD).sum()) == 1 + 2 + 3 + 4 + 2
    widths = sorted({t.line.width for t in lines})
    assert len(widths) > 1  # heavier weights, thicker lines
    heavy = max(lines, key=lambda t: t.line.width)
    assert list(heavy.y[:2]) == [0, 0]  # token 0 attends only to itself, with weight 1
    query_text = next(t for t in fig.data if t.name == "query tokens")
    assert list(query_text.text) == ["The", "·cat", "·sat", "·the", "&lt;b&gt;"]
    hover = next(t for t in fig.data if t.name == "weights")
    assert "0.500" in list(hover.text)


def test_matrix_figure_prints_numbers_and_minus_infinity():
    m = np.array([[1.234, -np.inf], [-0.001, 0.5]])
    fig = matrix_figure(m, ["a", "b"], ["a", "b"], "masked scores")
    [trace] = fig.data
    assert [list(r) for r in trace.text] == [["1.23", "−∞"], ["0.00", "0.50"]]
    assert np.isnan(np.asarray(trace.z, dtype=float)[0, 1])  # masked cells left uncoloured
    assert trace.zmid == 0 and fig.layout.title.text == "masked scores"
    probs = matrix_figure(np.array([[1.0, 0.0], [0.4, 0.6]]), ["a", "b"], ["a", "b"], "w", probabilities=True)
    assert (probs.data[0].zmin, probs.data[0].zmax) == (0.0, 1.0)
    with pytest.raises(ValueError, match="labels"):
        matrix_figure(m, ["a"], ["a", "b"], "t")
