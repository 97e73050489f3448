"""Training text: the bundled public-domain corpora and text a user uploads or pastes.

Every text passes one validation (`text_from_bytes`) before anything is trained on it, and the train/validation
split is deterministic (the first part trains, the tail validates) so that runs are comparable and resumable.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from core.errors import ErrorKind, UserError

DATA_DIR = Path(__file__).parent / "data"

# Uploads above this are refused: 20 MB of text is ~20M characters, far beyond what trains in minutes on a CPU.
MAX_CORPUS_BYTES = 20 * 1024 * 1024
# Share of tokens held out for validation (the tail of the text, as in nanoGPT's shakespeare_char).
VAL_FRACTION = 0.1


@dataclass(frozen=True)
class BundledCorpus:
    """A corpus that ships with the product."""

    name: str
    title: str
    description: str
    filename: str

    @property
    def path(self) -> Path:
        return DATA_DIR / self.filename


BUNDLED: dict[str, BundledCorpus] = {
    c.name: c
    for c in (
        BundledCorpus(
            "tinyshakespeare",
            "Tiny Shakespeare",
            "40,000 lines of Shakespeare's plays (1.1 MB, public domain), the classic char-level benchmark.",
            "tinyshakespeare.txt",
        ),
        BundledCorpus(
            "chinese-poems",
            "Classical Chinese poems",
            "Tang-era classical Chinese poetry (63k characters, 3.6k distinct, public domain).",
            "classical-chinese-poems.txt",
        ),
    )
}


# Byte-order marks that name a text's encoding; UTF-32's come first, since UTF-32-LE's begins with UTF-16-LE's.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode(raw: bytes, name: str) -> str:
    """UTF-8, or the encoding a byte-order mark names (UTF-8, UTF-16 or UTF-32, as Windows tools save them)."""
    encoding = next((enc for bom, enc in BOMS if raw.startswith(bom)), "utf-8")
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as err:
        label = encoding.removesuffix("-sig").upper()
        hint = " (perhaps Windows-1252 or Latin-1)" if label == "UTF-8" else ""
        raise UserError(
            f"{name} is not {label} text (bad byte at position {err.start}){hint}. Save it as UTF-8 and try again.",
            ErrorKind.CORPUS,
        ) from None


def text_from_bytes(raw: bytes, name: str = "the text") -> str:
    """Decode and validate user-supplied corpus bytes; raise UserError saying what is wrong and what to do.

    Whatever the file's name says, the bytes decide: UTF-8 (or UTF-16/32 with a byte-order mark) text of any
    script, emoji included, is accepted; NUL bytes or many control characters mark a binary file, refused.
    """
    if len(raw) > MAX_CORPUS_BYTES:
        raise UserError(
            f"{name} is {len(raw) / 1e6:.1f} MB; the limit is {MAX_CORPUS_BYTES / 1e6:.0f} MB. Use a smaller excerpt.",
            ErrorKind.CORPUS,
        )
    has_bom = any(raw.startswith(bom) for bom, _ in BOMS)
    if b"\x00" in raw and not has_bom:  # UTF-16/32 text is full of NUL bytes, but starts with its mark
        raise UserError(
            f"{name} looks like a binary file (it contains NUL bytes), not text. Upload a plain-text file.",
            ErrorKind.CORPUS,
        )
    text = _decode(raw, name)
    if not text.strip():
        raise UserError(f"{name} is empty. Paste or upload some text to train on.", ErrorKind.CORPUS)
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    if "\x00" in text or controls > 0.01 * len(text):
        raise UserError(
            f"{name} looks binary ({controls} control characters), not text. Upload a plain-text file.",
            ErrorKind.CORPUS,
        )
    return text


def load_corpus(source: str) -> str:
    """Text of a bundled corpus by name, or of a UTF-8 file by path."""
    if source in BUNDLED:
        return BUNDLED[source].path.read_text(encoding="utf-8")
    path = Path(source)
    if not path.is_file():
        raise UserError(
            f"No corpus named {source!r}: use {' or '.join(BUNDLED)}, or the path of a UTF-8 text file.",
            ErrorKind.CORPUS,
        )
    with path.open("rb") as f:
        raw = f.read(MAX_CORPUS_BYTES + 1)
    return text_from_bytes(raw, name=path.name)


def split_point(n_tokens: int, val_fraction: float = VAL_FRACTION) -> int:
    """Index of the first validation token: everything before it trains, the tail validates."""
    return n_tokens - max(1, int(n_tokens * val_fraction))


def check_length(n_tokens: int, block_size: int, val_fraction: float = VAL_FRACTION) -> None:
    """Both splits must hold at least one window of block_size + 1 tokens (inputs plus shifted targets)."""
    n_val = n_tokens - split_point(n_tokens, val_fraction)
    needed = block_size + 1
    if n_val < needed:
        shortest = int(needed / val_fraction) + 1
        raise UserError(
            f"The text is too short for a context length of {block_size}: it has {n_tokens:,} tokens, so its "
            f"validation part ({val_fraction:.0%}) has {n_val}, fewer than the {needed} one window needs. "
            f"Use at least {shortest:,} tokens of text or a context length below {max(1, n_val - 1)}.",
            ErrorKind.CORPUS,
        )
