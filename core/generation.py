"""Generation from any loaded model (Hugging Face or a tiny training run), streamed piece by piece, with the
figures a person compares models by: time to first token, tokens per second, new tokens.

Sampling follows Hugging Face's semantics for both kinds of model (the tiny models use the same logits
processors), validated the way vLLM validates its SamplingParams: temperature 0 means greedy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
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
        pieces = self._hf_pieces() if self.loaded.is_hf else self._tiny_pieces()
        for piece in pieces:
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

    # -- Hugging Face models: model.generate in a thread, text through TextIteratorStreamer ----------------
    def _hf_pieces(self) -> Iterator[str]:
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        model, tokenizer, s = self.loaded.model, self.loaded.tokenizer, self.settings
        streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
        abandoned = threading.Event()  # set when the reader stops early (a page rerun, a stop string)

        class UntilAbandoned(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs) -> torch.Tensor:
                return torch.full((input_ids.shape[0],), abandoned.is_set(), dtype=torch.bool)

        input_ids = torch.tensor([self.ids], device=model.device)
        kwargs = dict(
            input_ids=input_ids,
            attention_mask=torch.ones_like(input_ids),
            max_new_tokens=s.max_new_tokens,
            do_sample=not s.greedy,
            repetition_penalty=s.repetition_penalty,
            streamer=streamer,
            pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id,
            stopping_criteria=StoppingCriteriaList([UntilAbandoned()]),
        )
        if not s.greedy:
            kwargs.update(temperature=s.temperature, top_k=s.top_k or None, top_p=s.top_p)
        else:  # the model's own generation_config may ask for sampling settings; greedy ignores them
            kwargs.update(temperature=None, top_k=None, top_p=None)
        if s.stop:
            kwargs.update(stop_strings=list(s.stop), tokenizer=tokenizer)
        result: dict = {}

        def work() -> None:
            torch.manual_seed(s.seed)
            try:
                result["out"] = model.generate(**kwargs)
            except BaseException as err:  # surfaced in the caller's thread below
                result["error"] = err
                streamer.end()

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        try:
            yield from streamer
        finally:  # the reader is done, early or not: don't let generate run on and take the CPU
            abandoned.set()
            thread.join()
        if "error" in result:
            raise result["error"]
        self.new_ids = result["out"][0, input_ids.shape[1] :].tolist()
        self.stats.new_tokens = len(self.new_ids)

    # -- tiny models: our own loop with Hugging Face's logits processors -------------------------------------
    def _tiny_pieces(self) -> Iterator[str]:
        from transformers import (
            LogitsProcessorList,
            RepetitionPenaltyLogitsProcessor,
            TemperatureLogitsWarper,
            TopKLogitsWarper,
            TopPLogitsWarper,
        )

        model, tokenizer, s = self.loaded.model, self.loaded.tokenizer, self.settings
        processors = LogitsProcessorList()
        if s.repetition_penalty != 1.0:
            processors.append(RepetitionPenaltyLogitsProcessor(s.repetition_penalty))
        if not s.greedy:
            processors.append(TemperatureLogitsWarper(s.temperature))
            if s.top_k:
                processors.append(TopKLogitsWarper(s.top_k))
            if s.top_p < 1.0:
                processors.append(TopPLogitsWarper(s.top_p))
        generator = torch.Generator(device=self.loaded.device).manual_seed(s.seed)
        ids = torch.tensor([self.ids], device=self.loaded.device)
        new: list[int] = []
        decoded = ""
        with torch.no_grad():
            for _ in range(s.max_new_tokens):
                logits = model(ids[:, -model.block_size :])[0][:, -1, :].float()  # (1, V)
                logits = processors(ids, logits)
                if s.greedy:
                    next_id = logits.argmax(dim=-1, keepdim=True)
                else:
                    next_id = torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=generator)
                ids = torch.cat([ids, next_id], dim=1)
                new.append(int(next_id))
                self.new_ids = new
                self.stats.new_tokens = len(new)
                text = tokenizer.decode(new)  # whole-sequence decode: BPE pieces may join across tokens
                if text.endswith("\ufffd"):
                    continue  # half of a multi-byte character: wait for the token that completes it
                yield text[len(decoded) :]
                decoded = text
        if len(text := tokenizer.decode(new)) > len(decoded):
            yield text[len(decoded) :]  # a character left incomplete at the end


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
