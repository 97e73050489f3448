import pytest

from core import demo_assets
from core.demo_assets import DEMO_RUN, demo_run, ensure_demo_run, ensure_smollm2
from core.errors import UserError
from core.runs import list_runs

TINY = dict(
    demo_assets.DEMO_SETTINGS,
    model_params={"n_layer": 1, "n_head": 2, "n_embd": 16},
    block_size=8,
    batch_size=2,
    max_steps=4,
    eval_interval=2,
    eval_iters=1,
    warmup_steps=0,
    sample_interval=0,
)


def test_trains_the_demo_run_once_then_skips_it(runs_dir):
    lines = []
    path, created = ensure_demo_run(settings=TINY, log=lines.append)
    assert created and path == runs_dir / DEMO_RUN
    run = demo_run()
    assert run is not None and run.status()["state"] == "completed"
    assert [r.name for r in list_runs()] == [DEMO_RUN]
    assert [p.name for p in runs_dir.iterdir()] == [DEMO_RUN]  # the staging folder is gone
    stamp = run.checkpoint_path.stat().st_mtime_ns

    again, created = ensure_demo_run(settings=TINY, log=lines.append)
    assert (again, created) == (path, False)
    assert run.checkpoint_path.stat().st_mtime_ns == stamp
    assert "skipped" in lines[-1]


def test_the_default_settings_are_a_valid_config():
    from core.train import TrainConfig

    assert TrainConfig(**demo_assets.DEMO_SETTINGS).corpus == "tinyshakespeare"


def test_a_failed_set_up_leaves_nothing_behind(runs_dir):
    with pytest.raises(UserError):
        ensure_demo_run(settings={**TINY, "block_size": 4096, "batch_size": 4096}, log=lambda _: None)
    assert not runs_dir.exists() or list(runs_dir.iterdir()) == []
    assert demo_run() is None


def test_a_folder_in_the_way_is_explained_and_the_cli_exits_2(runs_dir, capsys):
    (runs_dir / DEMO_RUN).mkdir(parents=True)
    with pytest.raises(UserError, match="delete it"):
        ensure_demo_run(settings=TINY, log=lambda _: None)
    with pytest.raises(SystemExit) as exit_:
        demo_assets.main(["--skip-smollm2"])
    assert exit_.value.code == 2
    assert "holds no finished model" in capsys.readouterr().err


def test_smollm2_is_skipped_with_a_note_when_not_installed(monkeypatch):
    import core.loading

    def missing():
        raise UserError("The bundled model is not installed")

    monkeypatch.setattr(core.loading, "bundled_gguf", missing)
    lines = []
    assert ensure_smollm2(log=lines.append) is None
    assert "skipped" in lines[0] and "not installed" in lines[0]
