"""The four model families on a tiny corpus: they learn, generate, save and load, and refuse bad configs."""

from __future__ import annotations

import math
import time

import pytest
import torch
from safetensors.torch import load_file, save_file

from core.errors import UserError
from core.models import FAMILIES, build_model
from core.models.gpt import GPTConfig
from core.models.lstm import LSTMConfig
from core.models.mlp import MLPConfig
from core.models.ngram import NGramConfig, NGramModel

TEXT = "The quick brown fox jumps over the lazy dog. 你好，世界！🙂 " * 30
CHARS = sorted(set(TEXT))
STOI = {ch: i for i, ch in enumerate(CHARS)}
V = len(CHARS) + 3  # a few ids the corpus never uses, so unseen tokens are exercised too
DATA = torch.tensor([STOI[ch] for ch in TEXT], dtype=torch.long)
BLOCK = 16

# Small settings per family so the whole file runs in seconds on two CPU cores.
TINY = {
    "ngram": {"n": 3},
    "mlp": {"context": 4, "n_embd": 16, "n_hidden": 64},
    "lstm": {"n_embd": 16, "n_hidden": 64, "n_layer": 1},
    "gpt": {"n_layer": 2, "n_head": 2, "n_embd": 32},
}


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny models gain nothing from threads, and on a busy 2-core machine each op's thread barrier can stall
    for a scheduler tick, turning a 2 ms training step into 200 ms."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def batch(gen: torch.Generator, B: int = 8, T: int = BLOCK) -> tuple[torch.Tensor, torch.Tensor]:
    """Random windows of the corpus: inputs (B, T) and the tokens that follow each, (B, T)."""
    starts = torch.randint(0, len(DATA) - T - 1, (B,), generator=gen)
    x = torch.stack([DATA[s : s + T] for s in starts])
    y = torch.stack([DATA[s + 1 : s + T + 1] for s in starts])
    return x, y


def trained(family: str, steps: int = 100) -> tuple[torch.nn.Module, float, float]:
    """A tiny `family` model after a short training run, with its loss on a fixed batch before and after."""
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    model = build_model(family, TINY[family], V, BLOCK)
    eval_x, eval_y = batch(torch.Generator().manual_seed(123), B=16)
    with torch.no_grad():
        before = model(eval_x, eval_y)[1].item()
    optimizer = None if model.learns_by_counting else torch.optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(steps if optimizer else 10):
        x, y = batch(gen)
        if optimizer is None:
            model.observe(x, y)
        else:
            _, loss = model(x, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        after = model(eval_x, eval_y)[1].item()
    return model, before, after


def test_tiny_settings_cover_every_family() -> None:
    assert set(TINY) == set(FAMILIES)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_family_learns_generates_and_round_trips(family: str, tmp_path) -> None:
    model, before, after = trained(family)
    assert before == pytest.approx(math.log(V), abs=0.3)  # untrained models are close to uniform
    assert after < 0.5 * before, (before, after)

    prompt = DATA[:5].repeat(2, 1)  # (2, 5)
    greedy = model.generate(prompt, 12, temperature=0)
    assert greedy.shape == (2, 17)
    assert torch.equal(greedy[:, :5], prompt)
    assert torch.equal(greedy, model.generate(prompt, 12, temperature=0))
    sampled = model.generate(prompt, 12, temperature=0.8, top_k=5, generator=torch.Generator().manual_seed(1))
    assert sampled.dtype == torch.long
    assert sampled.min() >= 0 and sampled.max() < V

    save_file(model.state_tensors(), tmp_path / "model.safetensors")
    loaded = build_model(family, TINY[family], V, BLOCK)
    loaded.load_state_tensors(load_file(tmp_path / "model.safetensors"))
    loaded.eval()
    x, _ = batch(torch.Generator().manual_seed(7))
    with torch.no_grad():
        assert torch.equal(model(x)[0], loaded(x)[0])
    assert loaded.num_params() == model.num_params() > 0


# ---- n-gram -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("smoothing", ["kneser-ney", "add-k"])
@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_ngram_probabilities_sum_to_one(smoothing: str, n: int) -> None:
    model = NGramModel(NGramConfig(n=n, smoothing=smoothing), V, BLOCK)
    x, y = batch(torch.Generator().manual_seed(0))
    unseen = torch.tensor([[V - 1, V - 2, V - 3, 0, V - 1]])  # ids the corpus never uses
    logits, loss = model(x, y)
    assert logits.dtype == torch.float32
    assert loss.item() == pytest.approx(math.log(V), abs=1e-5)  # nothing observed yet: uniform
    for _ in range(5):
        model.observe(*batch(torch.Generator().manual_seed(1)))
    for idx in (x, unseen):
        probs = model(idx)[0].double().exp()  # (B, T, V)
        assert torch.allclose(probs.sum(-1), torch.ones(probs.shape[:2], dtype=torch.double), atol=1e-5)
        assert (probs > 0).all()


def test_ngram_counts_by_hand() -> None:
    model = NGramModel(NGramConfig(n=2, smoothing="kneser-ney", discount=0.75), vocab_size=3, block_size=8)
    model.observe(torch.tensor([[0, 1, 0]]), torch.tensor([[1, 0, 1]]))  # the sequence 0 1 0 1
    assert model.counts == [{(): {1: 2, 0: 1}}, {(0,): {1: 2}, (1,): {0: 1}}]
    assert model.cont == [{(): {1: 1, 0: 1}}]  # 1 follows one distinct token (0), and 0 one (1)
    assert model.num_params() == 4
    # Kneser-Ney: unigram level from continuation counts, N = {0: 1, 1: 1}, interpolated with uniform 1/3
    p_uni = {0: 0.25 / 2 + 0.75 * 2 / 2 / 3, 1: 0.25 / 2 + 0.75 * 2 / 2 / 3, 2: 0.75 * 2 / 2 / 3}
    p_after_0 = (2 - 0.75) / 2 + 0.75 * 1 / 2 * p_uni[1]
    probs = model(torch.tensor([[0]]))[0].exp()[0, 0]
    assert probs[1].item() == pytest.approx(p_after_0)
    assert probs.sum().item() == pytest.approx(1.0)
    probs = model(torch.tensor([[2]]))[0].exp()[0, 0]  # unseen context: the unigram level alone
    assert probs.tolist() == pytest.approx([p_uni[0], p_uni[1], p_uni[2]])

    add_k = NGramModel(NGramConfig(n=2, smoothing="add-k", k=0.1), vocab_size=3, block_size=8)
    add_k.observe(torch.tensor([[0, 1, 0]]), torch.tensor([[1, 0, 1]]))
    assert add_k(torch.tensor([[0]]))[0].exp()[0, 0, 1].item() == pytest.approx(2.1 / 2.3)
    assert add_k(torch.tensor([[2]]))[0].exp()[0, 0, 1].item() == pytest.approx(2.1 / 3.3)  # unigram fallback


def test_ngram_uses_shorter_contexts_at_row_start() -> None:
    model = NGramModel(NGramConfig(n=3), vocab_size=4, block_size=8)
    model.observe(torch.tensor([[0, 1, 2]]), torch.tensor([[1, 2, 3]]))
    assert model.counts[2] == {(0, 1): {2: 1}, (1, 2): {3: 1}}
    assert model.counts[1] == {(0,): {1: 1}, (1,): {2: 1}, (2,): {3: 1}}


def test_ngram_forward_is_fast() -> None:
    model = NGramModel(NGramConfig(n=4), vocab_size=65, block_size=64)
    gen = torch.Generator().manual_seed(0)
    for _ in range(20):
        tokens = torch.randint(0, 65, (12, 65), generator=gen)
        model.observe(tokens[:, :-1], tokens[:, 1:])
    start = time.perf_counter()
    model(torch.randint(0, 65, (12, 64), generator=gen))
    assert time.perf_counter() - start < 0.25  # about 5 ms here; generous for slow CI machines


# ---- GPT ----------------------------------------------------------------------------------------------------


def test_gpt_head_size_must_divide() -> None:
    with pytest.raises(UserError, match=r"n_embd \(130\) must be divisible by n_head \(4\): try 128 or 132"):
        GPTConfig(n_embd=130, n_head=4)


def test_gpt_refuses_inputs_longer_than_block() -> None:
    model = build_model("gpt", TINY["gpt"], V, BLOCK)
    with pytest.raises(UserError, match="at most 16 tokens"):
        model(torch.zeros(1, BLOCK + 1, dtype=torch.long))


def test_gpt_ties_weights_and_counts_them_once() -> None:
    model = build_model("gpt", TINY["gpt"], V, BLOCK)
    assert model.lm_head.weight is model.transformer.wte.weight
    unique = {id(p): p.numel() for p in model.state_dict(keep_vars=True).values()}
    assert model.num_params() == sum(unique.values())
    everything = sum(t.numel() for t in model.state_dict().values())
    assert model.num_params() == everything - model.lm_head.weight.numel()


def test_build_model_refuses_huge_models_without_allocating() -> None:
    start = time.perf_counter()
    with pytest.raises(UserError, match="parameters"):
        build_model("gpt", {"n_layer": 48, "n_embd": 8192}, V, BLOCK)
    assert time.perf_counter() - start < 5


# ---- configs ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: NGramConfig(n=0),
        lambda: NGramConfig(n=7),
        lambda: NGramConfig(smoothing="good-turing"),
        lambda: NGramConfig(discount=1.0),
        lambda: NGramConfig(k=0),
        lambda: MLPConfig(dropout=1.5),
        lambda: MLPConfig(context=2.0),
        lambda: LSTMConfig(n_layer=True),
        lambda: LSTMConfig(n_layer=9),
        lambda: GPTConfig(n_layer="3"),
        lambda: GPTConfig(bias=1),
        lambda: GPTConfig(dropout=-0.1),
    ],
)
def test_bad_config_values_are_refused(make) -> None:
    with pytest.raises(UserError):
        make()


def test_mlp_context_must_fit_in_block() -> None:
    with pytest.raises(UserError, match="block size"):
        build_model("mlp", {"context": 32}, V, BLOCK)


def test_unknown_setting_is_refused() -> None:
    with pytest.raises(UserError, match="does not apply"):
        build_model("lstm", {"n_head": 4}, V, BLOCK)
