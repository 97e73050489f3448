"""Train: pick a corpus, a tokenizer, a model family and its settings; Start trains in the background, live."""

from pathlib import Path

import streamlit as st

from core.models import FAMILIES
from core.presets import MODEL_PRESETS
from core.presets import TRAIN_DEFAULTS as D
from core.runs import Run, default_run_name, run_path, unique_run_path
from core.schedules import SCHEDULES
from core.train import TrainConfig, create_run
from dashboard.jobs import job_queue
from dashboard.run_views import show_run
from dashboard.widgets import config_inputs, corpus_input, user_errors

st.title("Train a tiny language model")
data_col, model_col, train_col = st.columns(3)
with data_col, st.container(border=True):
    st.markdown("**Data**")
    corpus = corpus_input()
    tokenizer = st.radio(
        "Tokenizer",
        ["char", "bpe"],
        format_func={"char": "Characters", "bpe": "Byte-level BPE"}.get,
        key="train.tokenizer",
        help="Characters: one token per character, tiny vocabulary. BPE: frequent character runs merged into tokens.",
    )
    vocab_size = st.number_input(
        "BPE vocabulary size",
        value=D["vocab_size"],
        step=64,
        disabled=tokenizer != "bpe",
        key="train.vocab",
        help="How many tokens BPE learns from the corpus (BPE only).",
    )
with model_col, st.container(border=True):
    st.markdown("**Model**")
    family = st.selectbox(
        "Family",
        list(FAMILIES),
        index=3,
        format_func=lambda f: FAMILIES[f].title,
        key="train.family",
        help="Four generations of language models, from counting to attention.",
    )
    st.caption(FAMILIES[family].description)
    model_params = config_inputs(FAMILIES[family].Config, MODEL_PRESETS[family], key=family)
with train_col, st.container(border=True):
    st.markdown("**Training**")
    max_steps = st.number_input(
        "Steps", value=D["max_steps"], step=100, key="train.steps", help="Optimizer updates; each reads one batch."
    )
    batch_size = st.number_input(
        "Batch size", value=D["batch_size"], step=1, key="train.batch", help="Training windows read per step."
    )
    block_size = st.number_input(
        "Context length (tokens)",
        value=D["block_size"],
        step=8,
        key="train.block",
        help="Tokens per training window: how far back the model can look.",
    )
    lr = st.number_input(
        "Learning rate",
        value=D["lr"],
        step=1e-4,
        format="%.4f",
        key="train.lr",
        help="Size of each update; too high and the loss jumps or becomes NaN.",
    )
    with st.expander("More settings"):
        schedule = st.selectbox(
            "Schedule",
            SCHEDULES,
            index=SCHEDULES.index(D["schedule"]),
            help="How the learning rate changes after warmup.",
        )
        warmup_steps = st.number_input(
            "Warmup steps", value=D["warmup_steps"], step=10, help="Steps over which the learning rate ramps up."
        )
        weight_decay = st.number_input(
            "Weight decay", value=D["weight_decay"], step=0.05, help="Pulls weights towards zero, against overfitting."
        )
        grad_clip = st.number_input(
            "Gradient clipping (0 = off)",
            value=D["grad_clip"],
            step=0.5,
            help="Caps the gradient's norm, so one bad batch cannot wreck the model.",
        )
        eval_interval = st.number_input(
            "Validate every … steps",
            value=D["eval_interval"],
            step=10,
            help="How often the validation loss, a checkpoint and an attention snapshot are taken.",
        )
        seed = st.number_input("Seed", value=D["seed"], step=1, help="The same seed and settings train the same model.")
        name = st.text_input(
            "Run name",
            placeholder=default_run_name(family),
            key="train.name",  # without a key the changing placeholder makes a new widget each second, losing the name
            help="The run's folder name; empty for a dated one.",
        )

if st.button("Start training", type="primary", icon=":material/play_arrow:"):
    with user_errors():
        settings = {k: D[k] for k in ("eval_iters", "log_interval", "sample_interval", "sample_tokens")}
        cfg = TrainConfig(
            model=family,
            model_params=model_params,
            corpus=corpus.label,
            tokenizer=tokenizer,
            vocab_size=int(vocab_size),
            block_size=int(block_size),
            batch_size=int(batch_size),
            max_steps=int(max_steps),
            lr=lr,
            schedule=schedule,
            warmup_steps=int(warmup_steps),
            weight_decay=weight_decay,
            grad_clip=grad_clip,
            seed=int(seed),
            eval_interval=int(eval_interval),
            **settings,
        )
        run = create_run(cfg, unique_run_path(name or default_run_name(family)), corpus.text())
        job_queue().submit(run)
        st.session_state.train_run = str(run.path)

# The run to show: the one this session started, or the one the URL names (so a reload keeps it). Another
# session's run never shows here; every run is listed on the Runs page.
shown = st.session_state.get("train_run")
if shown is None and "run" in st.query_params:
    with user_errors():
        shown = str(run_path(st.query_params["run"]))
if shown and Path(shown).is_dir():
    st.session_state.train_run = shown
    st.query_params["run"] = Path(shown).name
    show_run(Run(Path(shown)))
