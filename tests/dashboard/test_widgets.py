import pytest

from core.errors import UserError
from dashboard.widgets import CorpusChoice


def test_bundled_corpus_has_no_user_text():
    assert CorpusChoice("tinyshakespeare").text() is None


@pytest.mark.parametrize(
    ("choice", "fragment"),
    [
        (CorpusChoice("upload:"), "No file chosen"),
        (CorpusChoice("upload:x.png", b"\x89PNG\r\n\x1a\n\x00\x00", "x.png"), "binary"),
        (CorpusChoice("upload:x.txt", "naïve".encode("cp1252"), "x.txt"), "not UTF-8"),
        (CorpusChoice("pasted text", b"  ", "The pasted text"), "empty"),
    ],
)
def test_bad_user_text_is_explained(choice, fragment):
    with pytest.raises(UserError, match=fragment):
        choice.text()
