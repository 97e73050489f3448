import numpy as np
import pytest
import torch

from core.errors import UserError
from core.inside import embedding_map, lstm_gates, ngram_transitions
from core.models import build_model
from core.tokenization import CharTokenizer


@pytest.fixture
def chars(tiny_text):
    return CharTokenizer.train(tiny_text)


def test_ngram_transitions_are_the_models_bigram_probabilities(chars, tiny_text):
    model = build_model("ngram", {"n": 2, "smoothing": "add-k", "k": 0.01}, chars.vocab_size, 16)
    ids = torch.tensor([chars.encode(tiny_text)])
    model.observe(ids[:, :-1], ids[:, 1:])
    labels, probs = ngram_transitions(model, chars, top_n=10)
    assert len(labels) == 10 and probs.shape == (10, 10)
    assert labels[0] == "·"  # the space is the most frequent character
    assert np.all(probs.sum(1) <= 1 + 1e-6)
    t_row, h_col = labels.index("t"), labels.index("h")
    followers_of_t = [b for a, b in zip(tiny_text, tiny_text[1:], strict=False) if a == "t"]
    assert probs[t_row, h_col] == pytest.approx(followers_of_t.count("h") / len(followers_of_t), rel=0.02)


@pytest.mark.parametrize("family", ["mlp", "lstm", "gpt"])
def test_embedding_map_has_a_point_per_token(chars, family):
    params = {"gpt": {"n_layer": 1, "n_head": 2, "n_embd": 16}}.get(family, {})
    model = build_model(family, params, chars.vocab_size, 16)
    frame = embedding_map(model, chars)
    assert len(frame) == chars.vocab_size
    assert 0 < frame["explained"].iloc[0] <= 1
    assert frame[["x", "y"]].abs().sum().sum() > 0


def test_lstm_gates_reproduce_the_lstms_hidden_states(chars):
    torch.manual_seed(0)
    model = build_model("lstm", {"n_embd": 8, "n_hidden": 12, "n_layer": 1}, chars.vocab_size, 32).eval()
    gates = lstm_gates(model, chars, "The cat sat")
    ids = torch.tensor([chars.encode("The cat sat")])
    expected, _ = model.lstm(model.wte(ids))
    np.testing.assert_allclose(gates.hidden, expected[0].detach().numpy(), atol=1e-5)
    for gate in (gates.input, gates.forget, gates.output):
        assert gate.shape == (11, 12) and np.all((gate >= 0) & (gate <= 1))


def test_each_view_refuses_the_wrong_family(chars):
    gpt = build_model("gpt", {"n_layer": 1, "n_head": 2, "n_embd": 16}, chars.vocab_size, 16)
    with pytest.raises(UserError, match="n-gram"):
        ngram_transitions(gpt, chars)
    with pytest.raises(UserError, match="LSTM"):
        lstm_gates(gpt, chars, "cat")
    with pytest.raises(UserError, match="no embeddings"):
        embedding_map(build_model("ngram", {}, chars.vocab_size, 16), chars)
