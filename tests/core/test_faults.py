"""Faults end a run cleanly: divergence before a bad step, out of memory without a crash, resume bit-exact."""

import gc
import signal

import pytest
import torch

from core.models.gpt import GPTModel
from core.train import TrainConfig, _Trainer, create_run, train

GPT = {"n_layer": 1, "n_head": 2, "n_embd": 32}
SETTINGS = dict(
    block_size=16,
    batch_size=8,
    max_steps=30,
    lr=3e-3,
    eval_interval=10,
    eval_iters=2,
    log_interval=5,
    sample_interval=10,
    sample_tokens=10,
    warmup_steps=2,
    device="cpu",
)


def make(runs_dir, text, name="r", model="gpt", model_params=None, **overrides):
    params = GPT if model_params is None and model == "gpt" else (model_params or {})
    config = TrainConfig(model=model, model_params=params, **{**SETTINGS, **overrides})
    return create_run(config, runs_dir / name, text)


class _PoisonGrad(torch.autograd.Function):
    """Identity on the way forward, infinite gradients on the way back: a finite loss with a broken norm."""

    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * float("inf")


def spoil_training_forward(monkeypatch, from_call: int, spoil) -> None:
    """From the `from_call`-th training forward on, pass the loss through `spoil` (evaluation stays clean)."""
    real = GPTModel.forward
    calls = []

    def forward(self, idx, targets=None):
        logits, loss = real(self, idx, targets)
        if self.training and targets is not None:
            calls.append(1)
            if len(calls) >= from_call:
                loss = spoil(loss)
        return logits, loss

    monkeypatch.setattr(GPTModel, "forward", forward)


def count_optimizer_steps(monkeypatch) -> list:
    steps = []
    real = torch.optim.AdamW.step

    def step(self, *args, **kwargs):
        steps.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.AdamW, "step", step)
    return steps


@pytest.mark.parametrize(
    ("spoil", "fragment"),
    [(lambda loss: loss * float("nan"), "the loss was nan"), (_PoisonGrad.apply, "gradient norm")],
)
def test_a_non_finite_step_diverges_before_the_optimizer_touches_the_weights(
    runs_dir, tiny_text, monkeypatch, spoil, fragment
):
    run = make(runs_dir, tiny_text)
    spoil_training_forward(monkeypatch, from_call=13, spoil=spoil)
    optimizer_steps = count_optimizer_steps(monkeypatch)
    summary = train(run)
    assert summary.state == "diverged" and summary.steps == 12
    assert len(optimizer_steps) == 12  # the 13th step never reached the optimizer
    assert fragment in summary.message and "learning rate" in summary.message
    status = run.status()
    assert status["state"] == "diverged" and status["message"] == summary.message
    tensors, meta = run.load_checkpoint()
    assert meta["step"] == 10 == status["checkpoint_step"]  # the last good checkpoint, not the bad weights
    assert all(torch.isfinite(t).all() for t in tensors.values() if t.is_floating_point())
    assert [m["step"] for m in run.metrics()] == [0, 5, 10]


def test_without_clipping_spoilt_weights_are_caught_at_evaluation_and_never_saved(runs_dir, tiny_text, monkeypatch):
    run = make(runs_dir, tiny_text, grad_clip=0.0)
    spoil_training_forward(monkeypatch, from_call=20, spoil=_PoisonGrad.apply)  # finite loss, weights go bad
    summary = train(run)
    assert summary.state == "diverged"
    assert "validation loss was nan" in summary.message and "gradient clipping" in summary.message
    _, meta = run.load_checkpoint()
    assert meta["step"] == 10
    assert all(m["val_loss"] is None or m["val_loss"] == m["val_loss"] for m in run.metrics())  # no NaN row


@pytest.mark.parametrize("error", [torch.OutOfMemoryError("CUDA out of memory."), MemoryError()])
def test_out_of_memory_fails_the_run_with_advice_and_returns(runs_dir, tiny_text, monkeypatch, error):
    run = make(runs_dir, tiny_text)
    real_step = _Trainer.train_step

    def step_until_memory_runs_out(self):
        if self.step == 12:
            raise error
        return real_step(self)

    collected = []
    real_collect = gc.collect
    monkeypatch.setattr(_Trainer, "train_step", step_until_memory_runs_out)
    monkeypatch.setattr(gc, "collect", lambda *a: collected.append(1) or real_collect(*a))
    summary = train(run)  # returns: the caller (a server, a notebook) carries on
    assert summary.state == "failed" and summary.steps == 12
    assert "Out of memory" in summary.message and "batch size" in summary.message
    assert run.status()["state"] == "failed"
    assert collected  # memory was released
    _, meta = run.load_checkpoint()
    assert meta["step"] == 10


@pytest.mark.parametrize(
    ("family", "params"),
    [("gpt", {**GPT, "dropout": 0.1}), ("lstm", {"n_embd": 16, "n_hidden": 32, "n_layer": 2, "dropout": 0.1})],
)
def test_a_stopped_and_resumed_run_equals_an_uninterrupted_one_bit_for_bit(runs_dir, tiny_text, family, params):
    straight = make(runs_dir, tiny_text, "straight", family, params)
    train(straight)
    resumed = make(runs_dir, tiny_text, "resumed", family, params)
    stop_now = []
    first = train(resumed, on_log=lambda rec: stop_now.append(rec["step"] == 15), stop=lambda: any(stop_now))
    assert first.state == "stopped" and first.steps == 15 and resumed.status()["state"] == "stopped"
    assert train(resumed).state == "completed"
    assert [m["step"] for m in resumed.metrics()] == [0, 5, 10, 15, 20, 25, 30]  # no gaps, no duplicates

    def losses(run):
        return [(m["step"], m["train_loss"], m["val_loss"], m["lr"]) for m in run.metrics()]

    assert losses(resumed) == losses(straight)  # exactly: same batches, dropout masks and optimizer state
    a, _ = straight.load_checkpoint()
    b, _ = resumed.load_checkpoint()
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)  # weights, optimizer moments and RNG states
    assert resumed.samples() == straight.samples()


def test_the_cli_exits_1_with_the_advice_when_training_diverges(tmp_path, tiny_text, monkeypatch, capsys):
    from core.train_cli import main

    monkeypatch.setattr(signal, "signal", lambda *args: None)  # main() must not keep pytest's Ctrl-C
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(tiny_text, encoding="utf-8")
    spoil_training_forward(monkeypatch, from_call=3, spoil=lambda loss: loss * float("inf"))
    args = ["--model", "gpt", "--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--block-size", "8"]
    args += ["--max-steps", "10", "--eval-iters", "1", "--device", "cpu", "--quiet"]
    with pytest.raises(SystemExit) as exited:
        main([*args, "--corpus", str(corpus), "--out", str(tmp_path / "run")])
    assert exited.value.code == 1
    out, err = capsys.readouterr()
    assert '"state": "diverged"' in out
    assert err.startswith("error: Training diverged at step 3: the loss was inf") and len(err.splitlines()) == 1
