"""The running app in a real browser: Debian's chromium driven by Playwright.

One server for the module (`tests/appserver.py`, as on Community Cloud: no generated data
folder), always stopped when the module is done; the deep-link test starts a fresh one of its own. Screenshots go to tests/artifacts/ (gitignored).
"""

from __future__ import annotations

import re
import shutil

import pytest
from appserver import CHROMIUM_ARGS, app_server, wait_idle
from conftest import ROOT, real_clip

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "tests" / "artifacts"
PAGES = {
    "home": "",
    "data": "data",
    "lab": "lab",
    "signals": "signals",
    "roc": "roc",
    "model": "model",
    "check": "check",
}


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


@pytest.fixture
def page(browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser):
    """A phone-sized touch screen. The user agent stays Chromium's desktop one: Streamlit closes
    the sidebar after a page link only for a phone's user agent, the app for any narrow screen."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


CHARTS_DRAWN = (
    "() => [...document.querySelectorAll(\"[data-testid='stPlotlyChart']\")].every(c => c.querySelector('.main-svg'))"
)


VERDICT_WORDS = ("IN SYNC", "OUT OF SYNC OR DAMAGED", "NOT VERIFIED")
# The verdict card's headline: the last words of an h2 in the main area (its icon's ligature
# comes first), compared as a whole phrase: "ALIGNED" is inside "MISALIGNED".
HEADLINE = r"""words => {
    for (const h of document.querySelectorAll("[data-testid='stMain'] h2")) {
        const text = " " + h.innerText.replace(/\s+/g, " ").trim();
        const word = words.find(w => text.endsWith(" " + w));
        if (word) return word;
    }
    return null;
}"""


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
    assert_no_dialog(page)


def assert_no_dialog(page) -> None:
    """No modal over the page, such as Streamlit's "Page not found". The one a fresh server's
    first run sends is closed by the app's script (app_support/deeplink.py), so wait for it."""
    page.wait_for_function("!document.querySelector(\"[role='dialog']\")", timeout=30_000)


def metric_values(page) -> list[str]:
    return page.locator("[data-testid='stMetricValue']").all_inner_texts()


def screenshot(page, name: str) -> None:
    """The whole page into tests/artifacts/. Streamlit scrolls its main area inside the window,
    so a full-page capture stops at the window's height: the window is made as tall as the
    content first (the width, which decides the layout, stays), then restored."""
    size = page.viewport_size
    height = page.evaluate("document.querySelector(\"[data-testid='stMain']\").scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
    page.screenshot(path=ARTIFACTS / f"{name}.png")
    page.set_viewport_size(size)


def test_every_page_opens_cleanly(server, page, phone):
    """At desktop and at phone size; the screenshots are for a person to look at."""
    for window, size in ((page, "desktop"), (phone, "phone")):
        for name in PAGES:
            open_page(window, server, name)
            assert str(ROOT) not in window.locator("body").inner_text(), name  # no server path for a visitor
            screenshot(window, f"page-{name}-{size}")
    assert page.get_by_text("Check your clip").count() >= 1


@pytest.mark.parametrize("path, title", [("check", "Check your clip"), ("", "AV Alignment Lab")])
def test_a_deep_link_as_a_fresh_servers_first_request(browser, tmp_path, path, title):
    """Streamlit's issue #9624: the first run of a fresh server follows the old pages/ rules,
    which know no page "check" and send "Page not found" before the right page runs. Opened
    again, as a later request, the link must work the same way."""
    with app_server(tmp_path, log=tmp_path / "streamlit.log") as fresh:
        context = browser.new_context()
        page = context.new_page()
        for _ in range(2):
            page.goto(f"{fresh.url}/{path}")
            page.wait_for_selector("h1", timeout=90_000)
            settle(page, 90_000)
            assert_no_dialog(page)
            assert page.locator("h1").first.inner_text() == title
            assert page.url == f"{fresh.url}/{path}"
        context.close()


def test_upload_a_real_clip_gives_a_verdict(server, page):
    clip = real_clip("chaplin.mp4")
    open_page(page, server, "check")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(clip))
    word = page.wait_for_function(HEADLINE, arg=list(VERDICT_WORDS), timeout=90_000).json_value()
    settle(page, 90_000)
    assert word in VERDICT_WORDS
    assert page.get_by_text("chaplin.mp4 · checked with").count() == 1
    screenshot(page, "check-verdict")


def test_fix_recheck_and_download_a_late_clip(server, page, click_clip, tmp_path):
    """upload -> verdict -> fix -> the fixed clip plays, is checked again and can be downloaded."""
    from avcore.damage import anomalies

    late = anomalies.time_shift(click_clip, tmp_path / "late.mp4", 320)
    open_page(page, server, "check")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(late))
    word = page.wait_for_function(HEADLINE, arg=list(VERDICT_WORDS), timeout=90_000).json_value()
    settle(page, 90_000)
    assert word == "OUT OF SYNC OR DAMAGED"
    page.get_by_role("button", name="Prepare the fixed clip").click()
    # the verdict word whole: a substring would also find it inside a longer verdict
    page.get_by_text(re.compile(r"^Checked again: in sync\. ")).wait_for(timeout=90_000)
    settle(page, 90_000)
    assert page.locator("[data-testid='stVideo']").count() >= 2  # the upload and the fixed clip
    with page.expect_download(timeout=60_000) as got:
        page.get_by_role("button", name="Download the fixed clip").click()
    saved = tmp_path / "downloaded.mp4"
    got.value.save_as(saved)
    from avcore.check import check_clip

    assert check_clip(saved).state == "aligned"
    screenshot(page, "check-fixed")


def test_nudge_previews_the_sound_moved(server, page, click_clip):
    open_page(page, server, "check")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(click_clip))
    page.wait_for_function(HEADLINE, arg=list(VERDICT_WORDS), timeout=90_000)
    settle(page, 90_000)
    thumb = page.get_by_role("slider", name="Move the sound (ms; above 0: later, below 0: earlier)")
    # 10 ms a step; a busy server's rerun may redraw the slider and drop a key, so step by
    # what the slider says it holds until it says 250
    shown = page.locator("[data-testid='stSlider']", has=thumb).locator("[data-testid='stSliderThumbValue']")
    for _ in range(60):
        now = round(float(shown.inner_text()))
        if now == 250:
            break
        thumb.focus()
        thumb.press("ArrowRight" if now < 250 else "ArrowLeft")
    page.wait_for_function(
        "() => [...document.querySelectorAll(\"[data-testid='stSlider']\")].some(s => s.innerText.includes('250'))",
        timeout=30_000,
    )
    settle(page)
    page.get_by_role("button", name="Preview").click()
    page.get_by_text("The sound moved 250 ms later:").wait_for(timeout=90_000)
    settle(page, 90_000)
    assert page.get_by_role("button", name="Download this version").count() == 1
    screenshot(page, "check-nudged")


def test_upload_a_text_file_shows_an_error(server, page, tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("not a video\n" * 50)
    open_page(page, server, "check")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(fake))
    page.locator("[data-testid='stAlertContentError']").first.wait_for(timeout=60_000)
    settle(page)
    assert "could not be read as a video" in page.locator("[data-testid='stAlertContentError']").first.inner_text()


def test_threshold_slider_changes_the_metrics(server, page):
    open_page(page, server, "roc")
    page.wait_for_function(  # each score has its tooltip
        "document.querySelectorAll(\"[data-testid='stMetric'] [data-testid='stTooltipIcon']\").length === 5",
        timeout=30_000,
    )
    before = metric_values(page)
    thumb = page.locator("[data-testid='stSlider'] input[type='range']").first
    thumb.focus()
    thumb.press("End")  # threshold 1.0: (almost) nothing is called misaligned any more
    page.wait_for_function(
        "before => [...document.querySelectorAll(\"[data-testid='stMetricValue']\")].map(e => e.innerText).join('|') !== before",
        arg="|".join(before),
        timeout=30_000,
    )
    settle(page)
    assert metric_values(page) != before
    screenshot(page, "roc-moved")


def test_anomaly_lab_shows_two_videos(server, page):
    open_page(page, server, "lab")
    page.get_by_role("button", name="Render").click()
    page.wait_for_function("document.querySelectorAll(\"[data-testid='stVideo']\").length >= 2", timeout=90_000)
    settle(page, 90_000)
    # side by side: each clip's own verdict under its player, the damaged one found out
    said = page.locator("[data-testid='stAlertContainer']").all_inner_texts()
    assert any(t.startswith("The detector on the original clip") for t in said), said
    # the state word compared whole: "aligned" is inside "misaligned"
    assert any(re.match(r"The detector on the altered clip: misaligned\.", t) for t in said), said
    screenshot(page, "lab-rendered")
    page.get_by_role("link", name="See the features of both clips").click()  # same session: the pair carries over
    page.get_by_text("The clips from the").first.wait_for(timeout=60_000)
    settle(page, 90_000)
    screenshot(page, "features-of-lab-pair")


LIVE_CURVE = """() => {
    const plots = [...document.querySelectorAll("[data-testid='stPlotlyChart'] .js-plotly-plot")];
    if (!plots.some(p => (p.data || []).some(trace => (trace.x || []).length > 0))) return null;
    const bar = document.querySelector("[data-testid='stProgress'] [role='progressbar']");
    return {progress: Number(bar ? bar.getAttribute("aria-valuenow") : -1)};
}"""


def test_mlp_loss_curve_grows_while_training(server, page):
    """The live curve must have data while the progress bar is still short of 100%."""
    open_page(page, server, "model")
    page.get_by_text("Train now").click()
    page.get_by_role("button", name="Train").wait_for(timeout=60_000)
    settle(page)
    assert page.locator("[data-testid='stPlotlyChart']").count() == 0  # no curve before training
    epochs = page.locator("[data-testid='stSlider'] input[type='range']").first
    epochs.focus()
    epochs.press("End")  # 200 epochs: long enough to watch the curve grow
    page.wait_for_function(
        "() => document.querySelector(\"[data-testid='stSlider']\").innerText.includes('200')", timeout=30_000
    )
    wait_idle(page)
    page.get_by_role("button", name="Train").click()
    first = page.wait_for_function(LIVE_CURVE, timeout=120_000, polling=100).json_value()
    assert 0 <= first["progress"] < 100, first
    screenshot(page, "mlp-training")
    settle(page, 300_000)
    assert page.get_by_text("Test split: the model trained in this session").count() == 1
    assert len(metric_values(page)) == 5


SIDEBAR_RIGHT = "() => document.querySelector(\"[data-testid='stSidebar']\").getBoundingClientRect().right"
# Each Markdown table's box: how wide the table is, how wide the box shows it, whether the box
# scrolls, and whether its last column comes into view once the box is scrolled to the end.
TABLE_BOXES = """() => [...document.querySelectorAll("[data-testid='stMain'] table")].map(table => {
    const box = table.closest("[data-testid='stMarkdownContainer']");
    box.scrollLeft = box.scrollWidth;
    const last = table.querySelector("tr > :last-child").getBoundingClientRect();
    return {scrollWidth: box.scrollWidth, clientWidth: box.clientWidth, overflow: getComputedStyle(box).overflowX,
            lastRight: last.right, viewport: window.innerWidth};
})"""


def test_phone_sidebar_closes_and_tables_scroll(server, phone):
    open_page(phone, server, "home")
    # the style rides in the sidebar's Markdown, which can arrive after the page's tables
    phone.wait_for_function(
        "() => [...document.querySelectorAll(\"[data-testid='stMain'] table\")].some(t => "
        "getComputedStyle(t.closest(\"[data-testid='stMarkdownContainer']\")).overflowX === 'auto')",
        timeout=30_000,
    )
    boxes = phone.evaluate(TABLE_BOXES)
    assert boxes and any(b["scrollWidth"] > b["clientWidth"] for b in boxes), boxes  # the results table is wider
    for box in boxes:
        if box["scrollWidth"] > box["clientWidth"]:
            assert box["overflow"] in ("auto", "scroll"), box
        assert box["lastRight"] <= box["viewport"], box  # the last column can be scrolled into view
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=ARTIFACTS / "phone-overview-table-scrolled.png")  # the window: where the table scrolled to

    assert phone.evaluate(SIDEBAR_RIGHT) <= 0  # closed on a phone to begin with
    phone.locator("[data-testid='stExpandSidebarButton']").tap()
    phone.wait_for_function(f"({SIDEBAR_RIGHT})() > 200", timeout=30_000)
    phone.locator("[data-testid='stSidebarNavLink']", has_text="Threshold & ROC").tap()
    phone.wait_for_function("() => document.querySelector('h1')?.innerText === 'Threshold & ROC'", timeout=60_000)
    # on a busy server the title can be drawn before the run that adds the figures has started
    phone.locator("[data-testid='stPlotlyChart']").first.wait_for(timeout=60_000)
    settle(phone)
    phone.wait_for_function(f"({SIDEBAR_RIGHT})() <= 0", timeout=30_000)
    charts = phone.evaluate(
        "() => [...document.querySelectorAll(\"[data-testid='stPlotlyChart']\")]"
        ".map(c => c.getBoundingClientRect().right)"
    )
    assert charts and max(charts) <= 390, charts  # the figures fit the screen


def three_clips(folder) -> dict:
    """A 60 s procedural drum clip in sync, the film excerpt with its sound 400 ms late, and a
    short clip with its sound removed, each with the verdicts it may get: different lengths,
    verdicts and names, so that a card shown in the wrong session would be caught. (The film
    looped with its streams copied is no in-sync clip: from the fifth loop on its sound lands
    100 ms late, and the check says so.)"""
    from avcore.damage import anomalies
    from avcore.data import synth
    from avcore.io import media

    film = real_clip("chaplin.mp4")
    drum = synth.render(2, kind="drum", duration=60.0)
    long_clip = media.write_clip(folder / "drum-60s.mp4", drum.frames, drum.fps, drum.audio)
    late = anomalies.time_shift(film, folder / "film-sound-late.mp4", 400)
    muted = anomalies.mute(real_clip("short-480p-24fps.mp4"), folder / "short-muted.mp4")
    damaged = {"OUT OF SYNC OR DAMAGED"}
    return {long_clip: {"IN SYNC", "NOT VERIFIED"}, late: damaged, muted: damaged}


def test_three_sessions_check_three_clips_at_once(server, browser, tmp_path):
    """Three visitors upload at the same moment; each gets a verdict card for their own clip."""
    clips = three_clips(tmp_path)
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1800}) for _ in clips]
    try:
        pages = [c.new_page() for c in contexts]
        for page in pages:
            open_page(page, server, "check")
        for page, clip in zip(pages, clips):  # all three uploads start before any analysis ends
            page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(clip))
        for page, (clip, expected) in zip(pages, clips.items()):
            word = page.wait_for_function(HEADLINE, arg=list(VERDICT_WORDS), timeout=150_000).json_value()
            settle(page, 150_000)
            assert word in expected, (clip.name, word)
            names = page.locator("[data-testid='stMain'] [data-testid='stText']").all_inner_texts()
            assert any(n.startswith(f"{clip.name} · ") for n in names), names
            assert not [n for n in names for other in clips if other != clip and other.name in n], names
            screenshot(page, f"concurrent-{clip.stem}")
    finally:
        for c in contexts:
            c.close()


def test_the_app_calls_no_other_host(server, page):
    """No third party learns who visits: the favicon once came from fonts.gstatic.com."""
    elsewhere = []
    page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith((server, "data:", "blob:")) else None)
    for name in ("home", "check"):
        open_page(page, server, name)
    page.wait_for_timeout(500)
    assert not elsewhere, elsewhere
    assert page.locator("link[rel*='icon']").first.get_attribute("href").startswith("data:image/svg+xml")
