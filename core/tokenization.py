"""Tokenizers trained on the corpus: one id per character, or byte-level BPE from the `tokenizers` library.

Both save to one JSON file kept with each run, so a run decodes its samples exactly as it was trained.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

from core.errors import ErrorKind, UserError

KINDS = ("char", "bpe")
BPE_MIN_VOCAB = 257  # the 256 byte symbols plus at least one merge
BPE_MAX_VOCAB = 32_000


class Tokenizer(Protocol):
    kind: str

    @property
    def vocab_size(self) -> int: ...

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: list[int]) -> str: ...

    def to_json(self) -> str: ...


class CharTokenizer:
    """One id per distinct character of the training text, in sorted order (as in nanoGPT's char model)."""

    kind = "char"

    def __init__(self, chars: list[str]) -> None:
        self.chars = chars
        self._ids = {ch: i for i, ch in enumerate(chars)}

    @classmethod
    def train(cls, text: str) -> CharTokenizer:
        return cls(sorted(set(text)))

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        unknown = sorted(set(text) - self._ids.keys())
        if unknown:
            shown = " ".join(repr(ch) for ch in unknown[:10])
            raise UserError(
                f"These characters never occur in the training text, so the model cannot read them: {shown}. "
                "Remove them from the prompt.",
                ErrorKind.PROMPT,
            )
        return [self._ids[ch] for ch in text]

    def decode(self, ids: list[int]) -> str:
        return "".join(self.chars[i] for i in ids)

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "chars": self.chars}, ensure_ascii=False)


class BPETokenizer:
    """Byte-level BPE (GPT-2 style): any text round-trips exactly, Chinese and emoji included."""

    kind = "bpe"

    def __init__(self, tokenizer: object) -> None:
        self._tok = tokenizer  # a tokenizers.Tokenizer

    @classmethod
    def train(cls, text: str, vocab_size: int) -> BPETokenizer:
        from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        )
        tok.train_from_iterator(text.splitlines(keepends=True), trainer=trainer)
        return cls(tok)

    @property
    def vocab_size(self) -> int:
        return self._tok.get_vocab_size()

    def encode(self, text: str) -> list[int]:
        return self._tok.encode(text).ids

    def decode(self, ids: list[int]) -> str:
        return self._tok.decode(ids)

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "tokenizer": json.loads(self._tok.to_str())}, ensure_ascii=False)

    @classmethod
    def from_json_dict(cls, data: dict) -> BPETokenizer:
        from tokenizers import Tokenizer

        return cls(Tokenizer.from_str(json.dumps(data["tokenizer"])))


def train_tokenizer(kind: str, text: str, vocab_size: int = 512) -> Tokenizer:
    """Train a tokenizer of `kind` on `text`; `vocab_size` applies to BPE only."""
    if kind == "char":
        return CharTokenizer.train(text)
    if kind == "bpe":
        if not BPE_MIN_VOCAB <= vocab_size <= BPE_MAX_VOCAB:
            raise UserError(
                f"BPE vocabulary size must be between {BPE_MIN_VOCAB} and {BPE_MAX_VOCAB:,}; got {vocab_size}."
            )
        return BPETokenizer.train(text, vocab_size)
    raise UserError(f"Unknown tokenizer {kind!r}; choose one of {', '.join(KINDS)}.")


def tokenizer_from_json(text: str) -> Tokenizer:
    """Rebuild a tokenizer saved with `to_json`."""
    data = json.loads(text)
    if data.get("kind") == "char":
        return CharTokenizer(data["chars"])
    if data.get("kind") == "bpe":
        return BPETokenizer.from_json_dict(data)
    raise UserError(f"Unrecognised tokenizer file (kind {data.get('kind')!r}).", ErrorKind.RUN)


def load_tokenizer(path: Path) -> Tokenizer:
    return tokenizer_from_json(path.read_text(encoding="utf-8"))
