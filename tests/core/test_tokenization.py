import pytest

from core.errors import UserError
from core.tokenization import CharTokenizer, tokenizer_from_json, train_tokenizer

MIXED = "Hello, world! 你好，世界。床前明月光 🙂🚀 naïve café\n\ttabs  and  spaces"


def test_char_tokenizer_round_trips_and_is_sorted(tiny_text):
    tok = train_tokenizer("char", tiny_text)
    assert tok.decode(tok.encode(tiny_text)) == tiny_text
    assert tok.chars == sorted(tok.chars)
    assert tok.vocab_size == len(set(tiny_text))


def test_char_tokenizer_names_unknown_characters():
    tok = CharTokenizer.train("abc")
    with pytest.raises(UserError, match="'z'"):
        tok.encode("abz")


@pytest.mark.parametrize("vocab_size", [260, 300])
def test_bpe_round_trips_chinese_and_emoji(vocab_size):
    tok = train_tokenizer("bpe", MIXED * 20, vocab_size)
    assert tok.vocab_size <= vocab_size
    for text in (MIXED, "完全没见过的字 👾", "unseen words entirely"):
        assert tok.decode(tok.encode(text)) == text


def test_bpe_learns_merges_so_tokens_are_fewer_than_bytes(tiny_text):
    tok = train_tokenizer("bpe", tiny_text, 400)
    assert len(tok.encode(tiny_text)) < len(tiny_text.encode("utf-8")) / 2


@pytest.mark.parametrize("kind", ["char", "bpe"])
def test_saved_tokenizer_reloads_identically(kind, tiny_text):
    tok = train_tokenizer(kind, tiny_text, 300)
    again = tokenizer_from_json(tok.to_json())
    assert again.encode(tiny_text[:200]) == tok.encode(tiny_text[:200])
    assert again.vocab_size == tok.vocab_size


def test_bad_tokenizer_settings_are_refused():
    with pytest.raises(UserError, match="between"):
        train_tokenizer("bpe", "abc", 10)
    with pytest.raises(UserError, match="char, bpe"):
        train_tokenizer("words", "abc")
