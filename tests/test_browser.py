"""The running app in a real browser: Debian's chromium driven by Playwright.

One server for the module (`tests/appserver.py`, as on Community Cloud: no generated data
folder), always stopped when the module is done. Screenshots go to tests/artifacts/ (gitignored).
"""

from __future__ import annotations

import shutil

import pytest

from appserver import CHROMIUM_ARGS, IDLE, app_server, wait_idle
from conftest import ROOT, real_clip

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "tests" / "artifacts"
PAGES = {"home": "", "data": "data", "lab": "lab", "signals": "signals", "roc": "roc", "model": "model", "check": "check"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with app_server(tmp_path_factory.mktemp("no-data"), log=tmp_path_factory.mktemp("server") / "streamlit.log") as s:
        yield s.url


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium")
    if not executable:
        pytest.skip("Debian's chromium is not on PATH")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def app_url(server, browser):
    """The server once its first session has opened the root page. A fresh server's very first
    run still follows Streamlit's old pages/-folder rules, so a deep link opened first gets a
    "Page not found" dialog before the right page; after one run of the entry script it does not."""
    context = browser.new_context()
    first = context.new_page()
    first.goto(server)
    first.wait_for_selector(IDLE, timeout=60_000)
    context.close()
    return server


@pytest.fixture
def page(browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    yield context.new_page()
    context.close()


CHARTS_DRAWN = ("() => [...document.querySelectorAll(\"[data-testid='stPlotlyChart']\")]"
                ".every(c => c.querySelector('.main-svg'))")


def settle(page, timeout: float = 60_000) -> None:
    """Wait for the script run to finish and every chart to be drawn, then fail on any
    exception element."""
    wait_idle(page, timeout)
    page.wait_for_function(CHARTS_DRAWN, timeout=timeout)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_text("Something went wrong on this page").count() == 0


def open_page(page, server: str, name: str) -> None:
    page.goto(f"{server}/{PAGES[name]}")
    page.wait_for_selector("h1", timeout=60_000)
    settle(page)


def metric_values(page) -> list[str]:
    return page.locator("[data-testid='stMetricValue']").all_inner_texts()


def test_every_page_opens_cleanly(app_url, page):
    for name in PAGES:
        open_page(page, app_url, name)
        page.screenshot(path=ARTIFACTS / f"page-{name}.png", full_page=True)
    assert page.get_by_text("Check your clip").count() >= 1


def test_upload_a_real_clip_gives_a_verdict(app_url, page):
    clip = real_clip("chaplin.mp4")
    open_page(page, app_url, "check")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(clip))
    page.get_by_text("ALIGNED", exact=False).first.wait_for(timeout=90_000)
    settle(page, 90_000)
    assert page.get_by_text("p(misaligned)").count() >= 1
    page.screenshot(path=ARTIFACTS / "check-verdict.png", full_page=True)


def test_upload_a_text_file_shows_an_error(app_url, page, tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("not a video\n" * 50)
    open_page(page, app_url, "check")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(fake))
    page.locator("[data-testid='stAlertContentError']").first.wait_for(timeout=60_000)
    settle(page)
    assert "could not be read as a video" in page.locator("[data-testid='stAlertContentError']").first.inner_text()


def test_threshold_slider_changes_the_metrics(app_url, page):
    open_page(page, app_url, "roc")
    before = metric_values(page)
    thumb = page.locator("[data-testid='stSlider'] input[type='range']").first
    thumb.focus()
    thumb.press("End")  # threshold 1.0: (almost) nothing is called misaligned any more
    page.wait_for_function(
        "before => [...document.querySelectorAll(\"[data-testid='stMetricValue']\")].map(e => e.innerText).join('|') !== before",
        arg="|".join(before), timeout=30_000,
    )
    settle(page)
    assert metric_values(page) != before
    page.screenshot(path=ARTIFACTS / "roc-moved.png", full_page=True)


def test_anomaly_lab_shows_two_videos(app_url, page):
    open_page(page, app_url, "lab")
    page.get_by_role("button", name="Render").click()
    page.wait_for_function("document.querySelectorAll(\"[data-testid='stVideo']\").length >= 2", timeout=90_000)
    settle(page, 90_000)
    page.screenshot(path=ARTIFACTS / "lab-rendered.png", full_page=True)
    page.get_by_role("link", name="See the features of both clips").click()  # same session: the pair carries over
    page.get_by_text("The clips from the").first.wait_for(timeout=60_000)
    settle(page, 90_000)
    page.screenshot(path=ARTIFACTS / "features-of-lab-pair.png", full_page=True)


def test_the_app_calls_no_other_host(app_url, page):
    """No third party learns who visits: the favicon once came from fonts.gstatic.com."""
    elsewhere = []
    page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith((app_url, "data:", "blob:")) else None)
    for name in ("home", "check"):
        open_page(page, app_url, name)
    page.wait_for_timeout(500)
    assert not elsewhere, elsewhere
    assert page.locator("link[rel*='icon']").first.get_attribute("href").startswith("data:image/svg+xml")
