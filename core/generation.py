"""Generation from any loaded model (Hugging Face or a tiny training run), streamed piece by piece, with the
figures a person compares models by: time to first token, tokens per second, new tokens.

Sampling follows Hugging Face's semantics for both kinds of model (the tiny models use the same logits
processors), validated the way vLLM validates its SamplingParams: temperature 0 means greedy.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import torch

from core.errors import ErrorKind, UserError
from core.loading import LoadedModel
from core.validation import check_bool, check_float, check_int

if TYPE_CHECKING:
    from core.answers import Answer

MAX_NEW_TOKENS = 4096


@dataclass(frozen=True)
class GenerationSettings:
    max_new_tokens: int = 128
    temperature: float = 0.0  # 0 = greedy
    top_k: int = 0  # 0 = no top-k cut
    top_p: float = 1.0
    repetition_penalty: float = 1.0
    seed: int = 0
    stop: tuple[str, ...] = ()  # generation ends once the text contains one of these
    chat: bool = True  # wrap the prompt in the model's chat template, when it has one

    def __post_init__(self) -> None:
        check_int("max new tokens", self.max_new_tokens, 1, MAX_NEW_TOKENS)
        check_float("temperature", self.temperature, 0.0, 5.0)
        check_int("top-k", self.top_k, 0, 1_000_000)
        check_float("top-p", self.top_p, 0.0, 1.0, low_open=True)
        check_float("repetition penalty", self.repetition_penalty, 0.0, 10.0, low_open=True)
        check_int("seed", self.seed, 0, 2**32 - 1)
        check_bool("chat", self.chat)
        stop = (self.stop,) if isinstance(self.stop, str) else self.stop  # one string is one stop, as in vLLM
        if not isinstance(stop, tuple | list) or not all(isinstance(s, str) for s in stop):
            raise UserError(f"stop must be a list of texts; got {self.stop!r}.")
        object.__setattr__(self, "stop", tuple(s for s in stop if s))

    @property
    def greedy(self) -> bool:
        return self.temperature == 0


@dataclass
class GenerationStats:
    new_tokens: int = 0
    ttft_s: float | None = None  # from the call to the first new token
    total_s: float = 0.0

    @property
    def tokens_per_s(self) -> float | None:
        """New tokens per second of the whole call, prompt processing included (what a user waits for)."""
        return self.new_tokens / self.total_s if self.total_s > 0 and self.new_tokens else None


Message = dict[str, str]


def prompt_ids(loaded: LoadedModel, prompt: str | list[Message], chat: bool = True) -> list[int]:
    """Token ids of the prompt: through the chat template for instruct models (a string is one user turn)."""
    messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else prompt
    text = prompt if isinstance(prompt, str) else "\n".join(m["content"] for m in messages)
    if not text.strip() and loaded.is_hf:
        raise UserError("The prompt is empty; type something for the model to answer.", ErrorKind.PROMPT)
    if not loaded.is_hf:
        return loaded.tokenizer.encode(text) if text else loaded.tokenizer.encode("\n")
    if chat and loaded.has_chat_template:
        return list(
            loaded.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=True)[
                "input_ids"
            ]
        )
    return loaded.tokenizer(text)["input_ids"]


def context_length(loaded: LoadedModel) -> int:
    if loaded.is_hf:
        return int(getattr(loaded.model.config, "max_position_embeddings", 2048))
    return loaded.model.block_size


@dataclass
class Generation:
    """An answer being generated: iterate for the text pieces as they come; `text` and `stats` fill up meanwhile."""

    loaded: LoadedModel
    ids: list[int]
    settings: GenerationSettings
    text: str = ""
    stats: GenerationStats = field(default_factory=GenerationStats)
    new_ids: list[int] = field(default_factory=list)  # the generated token ids, once generation has ended

    def __iter__(self) -> Iterator[str]:
        started = time.perf_counter()
        for piece in self._pieces():
            if self.stats.ttft_s is None:
                self.stats.ttft_s = time.perf_counter() - started
            cut = _stop_cut(self.text + piece, self.settings.stop)
            if cut is not None:
                piece = (self.text + piece)[:cut][len(self.text) :]
            self.text += piece
            self.stats.total_s = time.perf_counter() - started
            if piece:
                yield piece
            if cut is not None:
                break
        self.stats.total_s = time.perf_counter() - started

    def run(self) -> str:
        """Generate to the end without streaming; returns the text."""
        for _ in self:
            pass
        return self.text

    def answer(self) -> Answer:
        """The finished answer as plain data, without the model (see core.answers.AnswerStream)."""
        from core.answers import Answer  # imported here: core.answers builds on this module

        return Answer.of(self)

    # -- the decoding loop: one for both kinds of model, in the caller's thread --------------------------------
    def _pieces(self) -> Iterator[str]:
        """Decode token by token in the caller's own thread, so a reader that stops early stops the work too.

        A loop of our own rather than `model.generate` in a worker thread plus a streamer: on a 2-core CPU the
        extra thread measured about 40% slower (two OpenMP pools contend), and Hugging Face's logits processors
        keep the sampling semantics identical for Hugging Face models and tiny runs.
        """
        s, tokenizer = self.settings, self.loaded.tokenizer
        processors = _logits_processors(s)
        generator = torch.Generator(device=self.loaded.device).manual_seed(s.seed)
        next_logits = _hf_stepper(self.loaded.model) if self.loaded.is_hf else _tiny_stepper(self.loaded.model)
        eos = _eos_ids(self.loaded)
        ids = torch.tensor([self.ids], device=self.loaded.device)
        new_token = ids
        decoder = _TextDecoder(tokenizer, skip_special=self.loaded.is_hf)
        for _ in range(s.max_new_tokens):
            with torch.no_grad():
                logits = processors(ids, next_logits(ids, new_token).float())
                if s.greedy:
                    new_token = logits.argmax(dim=-1, keepdim=True)
                else:
                    new_token = torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=generator)
            ids = torch.cat([ids, new_token], dim=1)
            token = int(new_token)
            self.new_ids.append(token)
            self.stats.new_tokens = len(self.new_ids)
            if piece := decoder.add(token):
                yield piece
            if token in eos:
                break
        if piece := decoder.flush():
            yield piece


def _logits_processors(s: GenerationSettings):
    """Hugging Face's own processors for the sampling settings, in the order `generate` applies them."""
    from transformers import (
        LogitsProcessorList,
        RepetitionPenaltyLogitsProcessor,
        TemperatureLogitsWarper,
        TopKLogitsWarper,
        TopPLogitsWarper,
    )

    processors = LogitsProcessorList()
    if s.repetition_penalty != 1.0:
        processors.append(RepetitionPenaltyLogitsProcessor(s.repetition_penalty))
    if not s.greedy:
        processors.append(TemperatureLogitsWarper(s.temperature))
        if s.top_k:
            processors.append(TopKLogitsWarper(s.top_k))
        if s.top_p < 1.0:
            processors.append(TopPLogitsWarper(s.top_p))
    return processors


def _hf_stepper(model) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """Next-token logits (1, V) for a Hugging Face model: the prompt once, then one token at a time on a KV cache."""
    from transformers import DynamicCache

    cache = DynamicCache(config=model.config)

    def next_logits(ids: torch.Tensor, new_token: torch.Tensor) -> torch.Tensor:
        out = model(input_ids=new_token, past_key_values=cache, use_cache=True, logits_to_keep=1)
        return out.logits[:, -1, :]

    return next_logits


def _tiny_stepper(model) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """Next-token logits (1, V) for a tiny run: the whole window again each step (they keep no cache)."""

    def next_logits(ids: torch.Tensor, new_token: torch.Tensor) -> torch.Tensor:
        return model(ids[:, -model.block_size :])[0][:, -1, :]

    return next_logits


def _eos_ids(loaded: LoadedModel) -> set[int]:
    """The tokens that end an answer: the model's generation config decides (tiny runs have none)."""
    if not loaded.is_hf:
        return set()
    eos = loaded.model.generation_config.eos_token_id
    return set(eos if isinstance(eos, list) else [eos] if eos is not None else [])


class _TextDecoder:
    """Token ids to text pieces as they come, as transformers' TextStreamer decodes them (the tokens since the last
    line break, since BPE pieces join across tokens), but a piece per token rather than per word, so that time to
    first token means the first token, and half a multi-byte character is held back rather than shown as �."""

    def __init__(self, tokenizer, skip_special: bool) -> None:
        self.tokenizer, self.skip_special = tokenizer, skip_special
        self.tokens: list[int] = []
        self.shown = 0  # characters of decode(self.tokens) already given out

    def _decode(self) -> str:
        if self.skip_special:
            return self.tokenizer.decode(self.tokens, skip_special_tokens=True)
        return self.tokenizer.decode(self.tokens)

    def add(self, token: int) -> str:
        self.tokens.append(token)
        text = self._decode()
        if text.endswith("\ufffd"):
            return ""  # half of a multi-byte character: wait for the token that completes it
        piece = text[self.shown :]
        if text.endswith("\n"):
            self.tokens, self.shown = [], 0
        else:
            self.shown = len(text)
        return piece

    def flush(self) -> str:
        """What is left at the end, an incomplete character included."""
        piece = self._decode()[self.shown :]
        self.tokens, self.shown = [], 0
        return piece


@torch.no_grad()
def sequence_logits(loaded: LoadedModel, ids: list[int]) -> torch.Tensor:
    """Next-token logits at every position of `ids`, float32 on the CPU, shape (T, V): row t scores token t+1."""
    if not ids:
        raise UserError("There is no text to score.", ErrorKind.PROMPT)
    limit = context_length(loaded)
    if len(ids) > limit:
        raise UserError(f"The text is {len(ids):,} tokens; this model reads at most {limit:,}.", ErrorKind.PROMPT)
    x = torch.tensor([ids], device=loaded.device)
    out = loaded.model(x)
    logits = out.logits if loaded.is_hf else out[0]
    return logits[0].float().cpu()


def _stop_cut(text: str, stops: tuple[str, ...]) -> int | None:
    """Where the text should end if it contains a stop string (the stop string itself is dropped)."""
    positions = [text.find(s) for s in stops if s in text]
    return min(positions) if positions else None


def generate(loaded: LoadedModel, prompt: str | list[Message], settings: GenerationSettings) -> Generation:
    """Prepare a generation; iterate the result to stream it, or call `.run()`.

    A prompt that leaves no room in the model's context is refused; `max_new_tokens` is capped to the room left.
    """
    ids = prompt_ids(loaded, prompt, settings.chat)
    limit = context_length(loaded)
    if loaded.is_hf and len(ids) >= limit:
        raise UserError(
            f"The prompt is {len(ids):,} tokens, but this model reads at most {limit:,}; shorten it.",
            ErrorKind.PROMPT,
        )
    if loaded.is_hf and len(ids) + settings.max_new_tokens > limit:
        settings = GenerationSettings(**{**settings.__dict__, "max_new_tokens": limit - len(ids)})
    return Generation(loaded, ids, settings)
