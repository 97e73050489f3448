"""The list of pages: the sidebar navigation and the Home page's cards are both built from it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"


@dataclass(frozen=True)
class PageInfo:
    file: str
    title: str
    icon: str
    section: str
    description: str

    def page(self) -> st.Page:
        return st.Page(PAGES_DIR / self.file, title=self.title, icon=self.icon, default=self.file == "home.py")


PAGES = [
    PageInfo("home.py", "Home", ":material/home:", "Overview", "What this dashboard is for, and where to start."),
    PageInfo(
        "demo.py",
        "Demo tour",
        ":material/slideshow:",
        "Overview",
        "The story in five steps for an audience: the ecosystem, model scale, a tiny model trained live, attention, "
        "and quantized models side by side, with a caption per step and settings that answer in seconds.",
    ),
    PageInfo(
        "train.py",
        "Train",
        ":material/model_training:",
        "Tiny models",
        "Train an n-gram, MLP, LSTM or GPT on Shakespeare, Chinese poems or your own text, and watch it learn live.",
    ),
    PageInfo(
        "runs.py",
        "Runs",
        ":material/stacked_line_chart:",
        "Tiny models",
        "Compare the loss curves of your runs, read their samples, generate from any of them, export metrics.",
    ),
    PageInfo(
        "inside.py",
        "Inside tiny models",
        ":material/grain:",
        "Tiny models",
        "What the families without attention learned: the n-gram's transition matrix, embedding maps of the MLP, "
        "LSTM and GPT, and the LSTM's gates opening and closing over a sentence.",
    ),
    PageInfo(
        "training_attention.py",
        "Attention over training",
        ":material/movie:",
        "Tiny models",
        "Scrub through a run's evaluations and watch its heads form: previous-token heads first, induction heads "
        "later, with the model's next-token guesses at each step.",
    ),
    PageInfo(
        "generate.py",
        "Generate",
        ":material/chat:",
        "Pretrained models",
        "Chat with SmolLM2-135M-Instruct, a training run or any Hugging Face or GGUF model, at full precision or "
        "quantized to int8 or 4 bits, and see time to first token, tokens/s and memory under every answer.",
    ),
    PageInfo(
        "compare.py",
        "Compare",
        ":material/compare_arrows:",
        "Pretrained models",
        "One prompt, two to four models or precisions side by side (fp32 vs int8 vs nf4, say): answers, speed "
        "and memory footprint compared in one chart.",
    ),
    PageInfo(
        "tokens.py",
        "Tokens",
        ":material/text_fields:",
        "Pretrained models",
        "See a text through a model's eyes: every token coloured by its probability, the top-5 alternatives, "
        "perplexity, and where two precisions or models disagree.",
    ),
    PageInfo(
        "precision.py",
        "Precision lab",
        ":material/science:",
        "Pretrained models",
        "One model at fp32, int8 and nf4 on one prompt: memory, speed, perplexity, KL divergence per token and "
        "where the quantized answers part ways.",
    ),
    PageInfo(
        "attention.py",
        "Attention",
        ":material/visibility:",
        "Inside models",
        "Which tokens each head of SmolLM2, MiniLM or your GPT looks at: a summary that finds previous-token, "
        "attention-sink and induction heads, and any head as a heatmap, as lines or beside its neighbours.",
    ),
    PageInfo(
        "explainer.py",
        "Explainer",
        ":material/function:",
        "Inside models",
        "One attention head step by step, with the formula beside the actual numbers: embeddings, Q, K, V, "
        "scores, the causal mask, softmax, weighted values and the output projection.",
    ),
    PageInfo(
        "scale.py",
        "Model scale",
        ":material/trending_up:",
        "The field",
        "94 notable LLMs from 2017 to 2025 by parameters, tokens and compute, with growth trends, your own models "
        "on the same map, and a memory calculator: will Llama 3 70B at 4 bits fit on an 80 GB GPU?",
    ),
    PageInfo(
        "scaling.py",
        "Scaling laws",
        ":material/ssid_chart:",
        "The field",
        "The Chinchilla law as a calculator (loss for N and D, the compute-optimal model for a budget), a sweep "
        "of tiny GPTs fitted to a power law on this machine, and the four families head to head.",
    ),
    PageInfo(
        "ecosystem.py",
        "Ecosystem",
        ":material/hub:",
        "The field",
        "The industry chain as a map, from chips and clouds to labs, models and products; milestones since the "
        "Transformer; open weights vs closed by year; LLM parameters against Moore's law.",
    ),
]


def page_of(name: str) -> st.Page:
    """The page whose file is `name`.py, for `st.switch_page`."""
    return next(info for info in PAGES if info.file == f"{name}.py").page()


def sections() -> dict[str, list[st.Page]]:
    grouped: dict[str, list[st.Page]] = {}
    for info in PAGES:
        grouped.setdefault(info.section, []).append(info.page())
    return grouped
