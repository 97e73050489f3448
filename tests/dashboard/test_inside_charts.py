import numpy as np
import pandas as pd

from core.inside import LSTMGates
from dashboard.inside_charts import embedding_scatter, gate_heatmaps, transition_heatmap


def test_transition_heatmap_labels_rows_and_columns():
    fig = transition_heatmap(["a", "b"], np.array([[0.1, 0.9], [0.5, 0.5]]))
    assert list(fig.data[0].x) == ["a", "b"] and fig.layout.yaxis.title.text == "previous token"


def test_embedding_scatter_shows_each_token_and_the_variance_explained():
    fig = embedding_scatter(pd.DataFrame({"token": ["a", "b"], "x": [0, 1], "y": [1, 0], "explained": 0.42}))
    assert list(fig.data[0].text) == ["a", "b"] and "42%" in fig.layout.title.text


def test_gate_heatmaps_have_three_panels_on_a_0_to_1_scale():
    gates = LSTMGates(["a", "b"], *(np.full((2, 100), 0.5) for _ in range(4)))
    fig = gate_heatmaps(gates, max_units=10)
    assert len(fig.data) == 3 and all(t.zmin == 0 and t.zmax == 1 for t in fig.data)
    assert np.asarray(fig.data[0].z).shape == (2, 10)
