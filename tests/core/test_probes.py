import numpy as np
import pytest

from core import probes
from core.train import TrainConfig, create_run, train

SETTINGS = dict(
    max_steps=30,
    block_size=16,
    batch_size=8,
    eval_interval=10,
    eval_iters=1,
    log_interval=5,
    warmup_steps=2,
    sample_interval=0,
    device="cpu",
)


def run_of(runs_dir, tiny_text, family, params=None, name="r"):
    return create_run(TrainConfig(model=family, model_params=params or {}, **SETTINGS), runs_dir / name, tiny_text)


def test_gpt_runs_keep_attention_and_predictions_at_every_evaluation(runs_dir, tiny_text):
    run = run_of(runs_dir, tiny_text, "gpt", {"n_layer": 2, "n_head": 2, "n_embd": 16})
    train(run)
    assert probes.steps(run) == [0, 10, 20, 30]
    probe = probes.load(run, 30)
    T = len(probe.tokens)
    assert T == 16  # the probe fills the context
    assert probe.attention.shape == (2, 2, T, T)
    np.testing.assert_allclose(probe.attention.sum(-1), 1.0, atol=1e-2)  # stored in fp16
    assert probe.induction.shape == (2, 2)
    assert probe.top_probs.shape == (T, 5)
    assert np.all(np.diff(probe.top_probs, axis=1) <= 0)  # likeliest first
    assert len(probe.top_tokens[0]) == 5
    # the model learns: it is surer of its top guess at the end than at the start
    assert probe.top_probs[:, 0].mean() > probes.load(run, 0).top_probs[:, 0].mean()


@pytest.mark.parametrize("family", ["ngram", "mlp", "lstm"])
def test_other_families_keep_predictions_only(runs_dir, tiny_text, family):
    run = run_of(runs_dir, tiny_text, family)
    train(run)
    probe = probes.load(run, probes.steps(run)[-1])
    assert probe.attention is None and probe.induction is None
    assert probe.top_probs.shape[1] == 5


def test_resume_keeps_one_snapshot_per_evaluation(runs_dir, tiny_text):
    run = run_of(runs_dir, tiny_text, "gpt", {"n_layer": 1, "n_head": 2, "n_embd": 16})
    train(run, stop=lambda: len(run.metrics()) >= 4)  # stops at step 15
    (probes.probe_folder(run) / "step-0000999.safetensors").write_bytes(b"stale")  # written after the checkpoint
    train(run)
    assert probes.steps(run) == [0, 10, 20, 30]


def test_head_trajectories_and_predictions_table(runs_dir, tiny_text):
    run = run_of(runs_dir, tiny_text, "gpt", {"n_layer": 2, "n_head": 2, "n_embd": 16})
    train(run)
    frame = probes.head_trajectories(run)
    assert len(frame) == 4 * 4  # 4 snapshots x (2 layers x 2 heads)
    assert {"previous_token", "induction", "sink", "entropy"} <= set(frame.columns)
    table = probes.predictions_table(probes.load(run, 30))
    assert list(table["token"][1:]) == list(table["actual next"][:-1])
    assert table["guess 1"].str.endswith("%)").all()
