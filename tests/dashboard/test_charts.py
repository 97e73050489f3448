import pandas as pd
import pytest

from dashboard.charts import SLOT_METRICS, ema, loss_curves, slot_figures


def frame(n: int = 10) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "step": range(0, 10 * n, 10),
            "tokens": range(0, 1000 * n, 1000),
            "elapsed_s": [i * 0.5 for i in range(n)],
            "train_loss": [4.0 - 0.2 * i for i in range(n)],
            "val_loss": [4.1 - 0.2 * i if i % 5 == 0 else None for i in range(n)],
        }
    )


def test_one_train_and_one_val_trace_per_run_without_smoothing():
    fig = loss_curves({"a": frame(), "b": frame()})
    assert [t.name for t in fig.data] == ["a · train", "a · val", "b · train", "b · val"]
    assert fig.data[0].line.color != fig.data[2].line.color  # one colour per run
    assert fig.data[1].line.dash == "dash"
    assert list(fig.data[1].y) == pytest.approx([4.1, 3.1])  # val points only where measured


def test_smoothing_keeps_the_raw_curve_faintly_behind():
    fig = loss_curves({"a": frame()}, smoothing=0.8)
    raw, smooth = fig.data[0], fig.data[1]
    assert raw.opacity < 0.5 and not raw.showlegend
    assert list(raw.y) == list(frame()["train_loss"])
    assert list(smooth.y) != list(raw.y)


@pytest.mark.parametrize(("x", "title"), [("step", "Step"), ("tokens", "Tokens seen"), ("elapsed_s", "Seconds")])
def test_x_axis_and_log_scale(x, title):
    fig = loss_curves({"a": frame()}, x=x, log_y=True)
    assert list(fig.data[0].x) == list(frame()[x])
    assert fig.layout.xaxis.title.text == title
    assert fig.layout.yaxis.type == "log"


def test_empty_chart_says_it_is_waiting():
    fig = loss_curves({"a": frame(0)})
    assert "Waiting" in fig.layout.annotations[0].text


def test_ema_starts_at_the_first_value_and_follows_a_step():
    values = pd.Series([1.0] * 5 + [0.0] * 50)
    smoothed = ema(values, 0.9)
    assert smoothed.iloc[0] == 1.0
    assert 0 < smoothed.iloc[10] < 1 and smoothed.iloc[-1] < 0.01
    assert ema(values, 0.0).equals(values)


def test_slot_figures_has_one_panel_per_figure_and_one_bar_per_slot():
    rows = [
        {"label": "1. smollm2 · fp32", "memory_mb": 538.1, "tokens_per_s": 12.5, "ttft_s": 0.4},
        {"label": "2. smollm2 · nf4", "memory_mb": 166.5, "tokens_per_s": None, "ttft_s": 0.6},
    ]
    fig = slot_figures(rows)
    assert [t.name for t in fig.data] == list(SLOT_METRICS.values())
    memory, rate, ttft = fig.data
    assert list(memory.y) == ["1. smollm2 · fp32", "2. smollm2 · nf4"]
    assert list(memory.x) == [538.1, 166.5] and list(memory.text) == ["538", "166"]
    assert list(rate.x) == [12.5, None] and list(rate.text) == ["12.5", ""]  # unknown: no bar, "n/a" instead
    [na] = [a for a in fig.layout.annotations if a.text == "n/a"]
    assert (na.x, na.y, na.xref) == (0, "2. smollm2 · nf4", "x2")  # in the tokens/s panel, at the slot's row
    assert fig.layout.xaxis2.showticklabels is None  # a panel with a value keeps its scale...
    served = slot_figures([{"label": "1. qwen @ h:8000", "memory_mb": None, "tokens_per_s": 30.0, "ttft_s": 0.1}])
    assert served.layout.xaxis.showticklabels is False  # ...one with none ("n/a" only) has no scale to show
    assert list(ttft.text) == ["0.40", "0.60"]
    assert memory.marker.color[0] != memory.marker.color[1]  # one colour per slot, the same in every panel
    assert list(rate.marker.color) == list(memory.marker.color)
    assert fig.layout.yaxis.autorange == "reversed"  # slot 1 on top


def test_slot_figures_without_rows_says_so():
    assert "No slot" in slot_figures([]).layout.annotations[-1].text
