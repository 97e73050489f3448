from dashboard.navigation import PAGES
from tests.pages.conftest import open_page


def test_home_describes_the_dashboard_and_links_every_page():
    at = open_page("home")
    assert at.title[0].value == "LLM Ecosystem Dashboard"
    links = {link.proto.page: link.proto.label for link in at.get("page_link")}
    assert links == {info.file.removesuffix(".py"): f"**{info.title}**" for info in PAGES if info.file != "home.py"}
    assert {"train", "runs", "generate", "compare"} <= set(links)
    text = " ".join(m.value for m in at.markdown)
    assert "watch it learn live" in text and "Compare the loss curves" in text
