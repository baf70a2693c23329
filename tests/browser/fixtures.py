"""Browser tests: a real Chromium (Debian's) driven by Playwright against a live server."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("DMS_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

# Playwright's sync API runs an event loop in this thread; the ORM calls in fixtures are still sequential.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is missing at {CHROMIUM}: `make test` installs Debian's chromium.")
        pytest.skip(f"Chromium is missing at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )  # fmt: skip
        yield browser
        browser.close()


@pytest.fixture
def tablet(chromium, live_server):
    """A 10-inch tablet at the reception desk, in Chinese."""
    context = chromium.new_context(
        viewport={"width": 1280, "height": 800},
        locale="zh-CN",
        base_url=live_server.url,
        device_scale_factor=1,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def shot():
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, full_page: bool = True):
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


def draw_signature(page, *, baseline: int = 150, swing: int = 18) -> None:
    """Sign on the page's signature pad (#pad) with the mouse: a zigzag from its left."""
    page.locator("#pad").scroll_into_view_if_needed()
    box = page.locator("#pad").bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + 40, y + baseline)
    page.mouse.down()
    for i in range(1, 25):
        page.mouse.move(x + 40 + i * 15, y + baseline - (i % 5) * swing)
    page.mouse.up()


def sign_in(page, username: str) -> None:
    """Sign in through the Chinese login form as one of the suite's users (conftest.PASSWORD)."""
    from playwright.sync_api import expect

    from conftest import PASSWORD

    # Leave the last page first: a refresh of it answering after the cookies are cleared would
    # set a new CSRF cookie under the login form (403).
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("header.topbar")).to_be_visible()
