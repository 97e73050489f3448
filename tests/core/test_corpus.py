import pytest

from core.corpus import BUNDLED, MAX_CORPUS_BYTES, check_length, load_corpus, split_point, text_from_bytes
from core.errors import UserError


@pytest.mark.parametrize("name", list(BUNDLED))
def test_bundled_corpora_ship_with_the_product(name):
    text = load_corpus(name)
    assert len(text) > 50_000


def test_chinese_corpus_is_chinese():
    assert "人生得意须尽欢" in load_corpus("chinese-poems")


def test_utf8_with_bom_mixed_scripts_and_emoji_are_accepted():
    assert text_from_bytes("\ufeffhello 世界 🙂".encode()) == "hello 世界 🙂"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"", "empty"),
        (b"   \n\t  ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("café".encode("latin-1"), "not UTF-8"),
        (bytes(range(1, 32)) * 10 + b"abc", "binary"),
    ],
)
def test_bad_text_is_refused_with_a_clear_message(raw, fragment):
    with pytest.raises(UserError, match=fragment):
        text_from_bytes(raw)


def test_oversized_text_is_refused():
    with pytest.raises(UserError, match="limit"):
        text_from_bytes(b"a" * (MAX_CORPUS_BYTES + 1))


def test_unknown_corpus_names_the_choices(tmp_path):
    with pytest.raises(UserError, match="tinyshakespeare"):
        load_corpus(str(tmp_path / "missing.txt"))


def test_corpus_from_a_file_is_validated(tmp_path):
    path = tmp_path / "bin.txt"
    path.write_bytes(b"\x00\x01\x02")
    with pytest.raises(UserError, match="binary"):
        load_corpus(str(path))


def test_split_is_deterministic_and_keeps_a_tail_for_validation():
    assert split_point(1000) == 900
    assert split_point(1000) == split_point(1000)
    assert split_point(5) == 4  # at least one validation token


def test_text_too_short_for_the_context_says_what_to_do():
    check_length(10_000, 64)
    with pytest.raises(UserError, match="too short for a context length of 64"):
        check_length(300, 64)
    with pytest.raises(UserError, match="too short"):
        check_length(5, 8)
