"""Several people on one server: two train at once while a third chats; all finish, none sees another's data."""

from __future__ import annotations

import time

import pytest

from core.runs import Run

pytestmark = pytest.mark.e2e


def wait_app(page) -> None:
    page.wait_for_selector("[data-testid=stApp]")
    page.wait_for_selector("[data-testid=stStatusWidget]", state="detached", timeout=60_000)


def start_training(page, server: str, name: str) -> None:
    page.goto(f"{server}/train")
    page.get_by_role("button", name="Start training").wait_for(timeout=60_000)
    steps = page.get_by_label("Steps", exact=True)
    steps.fill("80")
    steps.press("Enter")
    page.get_by_text("More settings").click()
    run_name = page.get_by_label("Run name", exact=True).and_(page.get_by_role("textbox"))
    run_name.fill(name)
    run_name.press("Enter")
    wait_app(page)
    page.get_by_role("button", name="Start training").click()
    page.get_by_role("heading", name=name).wait_for(timeout=60_000)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    from dashboard.server import launch_chromium

    with sync_playwright() as p:
        browser = launch_chromium(p)
        yield browser
        browser.close()


def test_two_people_train_while_a_third_chats(server, browser, runs_dir, make_run):
    make_run("ngram", name="chat-model", max_steps=10)  # what the third person chats with
    alice, bob, carol = (browser.new_context().new_page() for _ in range(3))

    start_training(alice, server, "alice-run")
    start_training(bob, server, "bob-run")  # while alice's run trains: bob's waits its turn in the queue

    carol.goto(f"{server}/generate")
    carol.get_by_role("heading", name="Generate").wait_for(timeout=60_000)
    carol.get_by_label("Model", exact=True).and_(carol.get_by_role("combobox")).click()
    carol.get_by_role("option", name="run chat-model").click()
    wait_app(carol)
    carol.get_by_placeholder("Ask the model…").fill("The cat sat on the dog")
    carol.get_by_placeholder("Ask the model…").press("Enter")
    carol.locator("[data-testid=stChatMessage]").nth(1).wait_for(timeout=60_000)  # the answer
    wait_app(carol)
    assert carol.locator("[data-testid=stChatMessage]").nth(1).locator("[data-testid=stAlert]").count() == 0

    runs = {name: Run(runs_dir / name) for name in ("alice-run", "bob-run")}
    deadline = time.time() + 300
    while any(r.status()["state"] != "completed" for r in runs.values()) and time.time() < deadline:
        time.sleep(1)
    assert {name: r.status()["state"] for name, r in runs.items()} == {"alice-run": "completed", "bob-run": "completed"}
    for page in (alice, bob):  # each person looks at their own window (a hidden tab's timers are throttled)
        page.bring_to_front()
        page.get_by_text("Finished").first.wait_for(timeout=30_000)

    texts = {
        who: page.locator("[data-testid=stApp]").inner_text()
        for who, page in zip(("alice", "bob", "carol"), (alice, bob, carol), strict=True)
    }
    assert "alice-run" in texts["alice"] and "bob-run" not in texts["alice"]
    assert "bob-run" in texts["bob"] and "alice-run" not in texts["bob"]
    assert "The cat sat on the dog" in texts["carol"]
    assert not any("The cat sat on the dog" in texts[who] for who in ("alice", "bob"))
    assert not any(name in texts["carol"] for name in ("alice-run", "bob-run"))
    for page in (alice, bob, carol):
        assert page.locator("[data-testid=stException]").count() == 0

    # a newcomer sees none of it on the Train page
    dave = browser.new_context().new_page()
    dave.goto(f"{server}/train")
    dave.get_by_role("button", name="Start training").wait_for(timeout=60_000)
    wait_app(dave)
    main = dave.locator("[data-testid=stApp]").inner_text()
    assert "alice-run" not in main and "bob-run" not in main
