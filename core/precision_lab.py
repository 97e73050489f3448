"""The precision lab: one model at several precisions (fp32 and its quantized copies) on one greedy prompt.

The first precision is the reference. Its greedy answer is scored by every precision, so that the distributions
are compared on the same token sequence: KL(p_ref ‖ p_q) per answer position says how far quantization moved the
model's prediction, even where the greedy choice stayed the same. Each precision also answers on its own, and
the first token where that answer departs from the reference's is its divergence point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from core.devices import pick_device
from core.errors import ErrorKind, UserError
from core.generation import GenerationSettings, generate, prompt_ids
from core.loading import PRECISIONS, LoadedModel, check_precision, load_model
from core.token_stats import EXCERPT_CHARS, corpus_excerpt, perplexity, scored_windows, token_strings
from core.validation import check_int

DEFAULT_PROMPT = "Explain in two sentences why the sky is blue."
# 32 new tokens keep a run of fp32, int8 and nf4 SmolLM2-135M near a minute on 2 CPU cores, loads included.
DEFAULT_NEW_TOKENS = 32

Loader = Callable[[str, str], LoadedModel]


def available_precisions(device: str = "auto") -> list[str]:
    """The precisions this machine can run, fp32 first."""
    target = pick_device(device)
    usable = []
    for precision in PRECISIONS:
        try:
            check_precision(precision, target)
        except UserError:
            continue
        usable.append(precision)
    return usable


def default_precisions(device: str = "auto") -> list[str]:
    return [p for p in ("fp32", "int8", "nf4") if p in available_precisions(device)]


@dataclass(frozen=True)
class PrecisionLabConfig:
    spec: str = "smollm2"
    prompt: str = DEFAULT_PROMPT
    max_new_tokens: int = DEFAULT_NEW_TOKENS
    precisions: tuple[str, ...] = ("fp32", "int8", "nf4")  # the first is the reference
    chat: bool = True  # wrap the prompt in the model's chat template, when it has one
    perplexity_text: str | None = None  # None: the bundled corpus' validation excerpt

    def __post_init__(self) -> None:
        object.__setattr__(self, "precisions", tuple(dict.fromkeys(self.precisions)))  # drop repeats, keep order
        if len(self.precisions) < 2:
            raise UserError("Choose at least two precisions: the first is the reference.", ErrorKind.CONFIG)
        for precision in self.precisions:
            if precision not in PRECISIONS:
                raise UserError(f"Unknown precision {precision!r}; choose from {', '.join(PRECISIONS)}.")
        check_int("max new tokens", self.max_new_tokens, 1, 512)
        if not self.prompt.strip():
            raise UserError("The prompt is empty; type something for the model to answer.", ErrorKind.PROMPT)

    @property
    def reference(self) -> str:
        return self.precisions[0]


@dataclass
class PrecisionRun:
    """One precision's numbers; `kl[i]` is KL(p_ref ‖ p_this) in nats at answer token i of the reference."""

    precision: str
    label: str
    answer: str
    answer_ids: list[int]
    first_divergence: int | None  # index into the answer tokens; None if identical to the reference
    kl: np.ndarray  # (A,)
    top1_agreement: float  # share of answer positions where both predict the same next token
    memory_bytes: int
    tokens_per_s: float | None
    perplexity: float


@dataclass
class PrecisionLab:
    config: PrecisionLabConfig
    model: str  # the model's name, without the precision
    reference_tokens: list[str]  # the reference answer, one display string per token
    runs: list[PrecisionRun]
    perplexity_source: str  # what the perplexity column was measured on
    notes: list[str] = field(default_factory=list)  # why a number is missing

    def summary(self) -> pd.DataFrame:
        """One row per precision: what it costs (memory, speed) and what it changes (perplexity, KL, tokens)."""
        return pd.DataFrame(
            [
                {
                    "precision": r.precision,
                    "memory (MB)": r.memory_bytes / 1e6,
                    "tokens/s": r.tokens_per_s,
                    "perplexity": r.perplexity,
                    "first divergence": r.first_divergence,
                    "mean KL (nats)": float(r.kl.mean()) if len(r.kl) else float("nan"),
                    "max KL (nats)": float(r.kl.max()) if len(r.kl) else float("nan"),
                    "top-1 agreement": r.top1_agreement,
                }
                for r in self.runs
            ]
        ).astype({"first divergence": "Int64"})

    @property
    def kl(self) -> dict[str, np.ndarray]:
        return {r.precision: r.kl for r in self.runs}


def first_divergence(reference: list[int], other: list[int]) -> int | None:
    """The first index where two token sequences differ (one ending early counts), or None if they are equal."""
    for i, (a, b) in enumerate(zip(reference, other, strict=False)):
        if a != b:
            return i
    return None if len(reference) == len(other) else min(len(reference), len(other))


def kl_per_position(ref_logits: torch.Tensor, logits: torch.Tensor) -> np.ndarray:
    """KL(softmax(ref) ‖ softmax(other)) per row of two (N, V) logit tensors, in nats, float64."""
    ref_logp = torch.log_softmax(ref_logits.double(), dim=-1)
    logp = torch.log_softmax(logits.double(), dim=-1)
    kl = (ref_logp.exp() * (ref_logp - logp)).nan_to_num(0.0).sum(-1)
    return kl.clamp(min=0.0).numpy()  # KL >= 0; float rounding can leave -1e-12 on identical rows


def answer_logits(loaded: LoadedModel, sequence: list[int], start: int) -> torch.Tensor:
    """(A, V) float32 logits predicting sequence[start:] (the answer after a prompt of `start` tokens), read in
    windows when the sequence is longer than the model's context; (0, 0) when there is no answer."""
    if start >= len(sequence):
        return torch.empty(0, 0)
    rows = [
        logits[max(start - first, 0) :]
        for first, logits in scored_windows(loaded, sequence)
        if first + len(logits) > start
    ]
    return torch.cat(rows)


def _answer_ids(loaded: LoadedModel, answer: str) -> list[int]:
    """Token ids of a generated answer. Generation yields text only, so the text is encoded again; greedy
    answers almost always re-encode to the tokens that produced them."""
    if not answer:
        return []
    if loaded.is_hf:
        return list(loaded.tokenizer(answer, add_special_tokens=False)["input_ids"])
    return list(loaded.tokenizer.encode(answer))


def run_precision_lab(
    config: PrecisionLabConfig,
    load: Loader = load_model,
    on_step: Callable[[str], None] | None = None,
) -> PrecisionLab:
    """Load `config.spec` at each precision (through `load`, e.g. a cache), answer greedily, and compare."""
    say = on_step or (lambda _msg: None)
    settings = GenerationSettings(max_new_tokens=config.max_new_tokens, temperature=0.0, chat=config.chat)
    ppl_text = config.perplexity_text or corpus_excerpt()
    ppl_source = "the given text" if config.perplexity_text else f"Tiny Shakespeare val, {EXCERPT_CHARS:,} chars"

    answers: dict[str, tuple[LoadedModel, str, list[int], float | None]] = {}
    for precision in config.precisions:
        say(f"Loading {config.spec} at {precision} and answering…")
        loaded = load(config.spec, precision)
        # One token first, untimed: the first call of a process pays one-off costs (imports, kernel selection)
        # that would otherwise count against whichever precision happens to run first.
        generate(loaded, config.prompt, GenerationSettings(max_new_tokens=1, chat=config.chat)).run()
        gen = generate(loaded, config.prompt, settings)
        text = gen.run()
        answers[precision] = (loaded, text, _answer_ids(loaded, text), gen.stats.tokens_per_s)

    ref_loaded, _, ref_ids, _ = answers[config.reference]
    prompt = prompt_ids(ref_loaded, config.prompt, config.chat)
    sequence = prompt + ref_ids
    say(f"Scoring the {config.reference} answer at every precision…")
    ref_logits = answer_logits(ref_loaded, sequence, len(prompt))
    runs, notes = [], []
    for precision, (loaded, text, ids, tokens_per_s) in answers.items():
        try:
            ppl = perplexity(loaded, ppl_text).perplexity
        except UserError as err:  # e.g. a character-level run that never saw some of these characters
            ppl = float("nan")
            notes.append(f"No perplexity at {precision}: {err}")
        logits = ref_logits if precision == config.reference else answer_logits(loaded, sequence, len(prompt))
        vocab = min(ref_logits.shape[-1], logits.shape[-1])  # padded vocabularies may differ in unused rows
        agree = (ref_logits[:, :vocab].argmax(-1) == logits[:, :vocab].argmax(-1)).double() if vocab else []
        runs.append(
            PrecisionRun(
                precision=precision,
                label=loaded.label,
                answer=text,
                answer_ids=ids,
                first_divergence=first_divergence(ref_ids, ids),
                kl=kl_per_position(ref_logits[:, :vocab], logits[:, :vocab]),
                top1_agreement=float(agree.mean()) if len(agree) else float("nan"),
                memory_bytes=loaded.memory_bytes,
                tokens_per_s=tokens_per_s,
                perplexity=ppl,
            )
        )
    return PrecisionLab(config, ref_loaded.source.label, token_strings(ref_loaded, ref_ids), runs, ppl_source, notes)
