"""One finished answer as plain data, and the prompt a chat history becomes for a given model.

An `Answer` holds the text and the figures a person compares models by (time to first token, tokens per second,
new tokens) and the facts of the model that gave it (device, dtype, quantization, memory, load time,
parameters). It keeps no reference to the model, so a page can store it in a browser session without keeping
an unloaded model alive. A model served over HTTP (core.endpoint) gives the same figures; the facts of a model
that runs elsewhere (memory, load time, parameters) are None there, unknown rather than zero.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from core.generation import Generation, Message
from core.loading import LoadedModel


@dataclass(frozen=True)
class Answer:
    model: str  # the source's label, e.g. "SmolLM2-135M-Instruct (bundled)" or "run tiny-gpt"
    precision: str
    text: str
    new_tokens: int
    ttft_s: float | None
    tokens_per_s: float | None
    total_s: float
    device: str
    dtype: str
    quantization: str
    memory_mb: float | None  # weights and buffers as loaded, in 10^6 bytes; None: served elsewhere, unknown
    load_s: float | None
    n_params: int | None
    counted_by: str = "model"  # where new_tokens comes from: "model" (its token ids), "server", "chunks"

    @property
    def label(self) -> str:
        return f"{self.model} · {self.precision}"

    @classmethod
    def of(cls, generation: Generation) -> Answer:
        """The answer of a generation that has run to its end."""
        loaded, stats = generation.loaded, generation.stats
        return cls(
            model=loaded.source.label,
            precision=loaded.precision,
            text=generation.text,
            new_tokens=stats.new_tokens,
            ttft_s=stats.ttft_s,
            tokens_per_s=stats.tokens_per_s,
            total_s=stats.total_s,
            device=str(loaded.device),
            dtype=loaded.dtype,
            quantization=loaded.quantization,
            memory_mb=loaded.memory_bytes / 1e6,
            load_s=loaded.load_s,
            n_params=loaded.n_params,
        )


class AnswerStream(Protocol):
    """An answer on its way, from a local model (`core.generation.Generation`) or a server
    (`core.endpoint.EndpointStream`): iterate for the text pieces as they come, then `answer()` for the record."""

    def __iter__(self) -> Iterator[str]: ...

    def answer(self) -> Answer: ...


def chat_prompt(loaded: LoadedModel, history: list[Message], chat: bool = True) -> str | list[Message]:
    """What to generate from after a chat `history` (oldest first, ending with the user's new message).

    A model with a chat template reads the whole conversation (only "role" and "content" of each message); a
    model without one (a tiny training run, a base model) or with the template switched off reads the last user
    message alone, as plain text: it was never trained to follow turns.
    """
    if chat and loaded.has_chat_template:
        return [{"role": m["role"], "content": m["content"]} for m in history]
    return next((m["content"] for m in reversed(history) if m["role"] == "user"), "")
