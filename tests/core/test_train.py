import pytest

from core.errors import UserError
from core.runs import list_runs
from core.train import TrainConfig, create_run, train

FAST = dict(
    block_size=16,
    batch_size=8,
    eval_interval=10,
    eval_iters=2,
    log_interval=5,
    sample_interval=10,
    sample_tokens=20,
    warmup_steps=2,
    device="cpu",
)


def small_config(**overrides) -> TrainConfig:
    settings = {
        "model": "gpt",
        "model_params": {"n_layer": 1, "n_head": 2, "n_embd": 32},
        "max_steps": 20,
        "lr": 3e-3,
        **FAST,
    }
    settings.update(overrides)
    return TrainConfig(**settings)


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"lr": 0.0}, "learning rate"),
        ({"lr": -1e-3}, "learning rate"),
        ({"batch_size": 0}, "batch_size"),
        ({"model_params": {"n_embd": 30, "n_head": 4}}, "divisible"),
        ({"schedule": "linear"}, "schedule"),
        ({"block_size": "64"}, "block_size"),
        ({"warmup_steps": 20}, "Warmup steps"),
        ({"model": "transformer-xl"}, "model"),
        ({"model": "ngram", "model_params": {"n_layer": 2}}, "does not apply"),
    ],
)
def test_bad_settings_give_a_clear_message(overrides, fragment):
    with pytest.raises(UserError, match=fragment):
        small_config(**overrides)


@pytest.mark.parametrize(
    ("text", "overrides", "fragment"),
    [
        ("", {}, "empty"),
        ("hello", {}, "too short"),
        ("a reasonably long sentence " * 20, {"block_size": 512}, "too short"),
        (None, {"model": "gpt", "model_params": {"n_layer": 48, "n_embd": 8192, "n_head": 8}}, "parameters"),
        (  # 151M parameters and small logits, but over a terabyte of activations per step
            None,
            {"model": "gpt", "model_params": {"n_layer": 12, "n_embd": 1024, "n_head": 16}, "batch_size": 512}
            | {"block_size": 1024},
            "activations",
        ),
    ],
)
def test_bad_input_never_creates_a_run(runs_dir, text, overrides, fragment):
    from core.corpus import text_from_bytes

    with pytest.raises(UserError, match=fragment):
        corpus = None if text is None else text_from_bytes(text.encode())
        create_run(small_config(**overrides), runs_dir / "bad", corpus)
    assert not (runs_dir / "bad").exists()
    assert list_runs() == []


@pytest.mark.parametrize("family", ["ngram", "mlp", "lstm", "gpt"])
def test_every_family_trains_and_records_metrics_samples_and_a_checkpoint(runs_dir, tiny_text, family):
    params = {"gpt": {"n_layer": 1, "n_head": 2, "n_embd": 32}}.get(family, {})
    run = create_run(small_config(model=family, model_params=params, max_steps=30), runs_dir / family, tiny_text)
    summary = train(run)
    assert summary.state == "completed" and summary.steps == 30
    metrics = run.metrics()
    assert [m["step"] for m in metrics] == [0, 5, 10, 15, 20, 25, 30]
    assert set(metrics[0]) == {
        "step",
        "tokens",
        "elapsed_s",
        "train_loss",
        "val_loss",
        "lr",
        "tokens_per_s",
        "world_size",
    }
    assert metrics[0]["world_size"] == 1
    vals = [m["val_loss"] for m in metrics if m["val_loss"] is not None]
    assert vals[-1] < vals[0] - 0.3  # it learns
    assert metrics[-1]["tokens"] == 30 * 8 * 16
    assert [s["step"] for s in run.samples()] == [10, 20, 30]
    assert run.has_checkpoint()
    assert run.status()["state"] == "completed"


def test_resume_drops_metrics_written_after_the_last_checkpoint(runs_dir, tiny_text):
    run = create_run(small_config(max_steps=20), runs_dir / "r", tiny_text)
    train(run, stop=lambda: len(run.metrics()) >= 4)  # stops at step 15; checkpoint at 15
    stale = run.metrics() + [{**run.metrics()[-1], "step": 999}]
    run.write_metrics(stale)  # as if the process died after logging but before checkpointing
    train(run)
    assert [m["step"] for m in run.metrics()] == [0, 5, 10, 15, 20]


@pytest.mark.parametrize("tokenizer", ["char", "bpe"])
def test_tokenizer_is_saved_with_the_run(runs_dir, tiny_text, tokenizer):
    run = create_run(small_config(tokenizer=tokenizer, vocab_size=300), runs_dir / tokenizer, tiny_text)
    assert run.tokenizer().kind == tokenizer
    assert run.tokenizer().decode(run.tokenizer().encode("The cat 猫 🙂")) == "The cat 猫 🙂"


def test_bundled_corpus_is_not_copied_into_the_run(runs_dir):
    run = create_run(small_config(corpus="tinyshakespeare"), runs_dir / "shakes")
    assert run.corpus_text() is None
    assert run.config()["corpus"] == "tinyshakespeare"
