"""Presenter mode, cold: each page's first full run on a freshly started server.

    python bench/bench_pages.py [--servers 3] [--against DIR ...] [--warm-browser]

For each of `--servers` fresh servers (no generated data folder, as on Community Cloud: every
page draws from assets/), opens the Overview, then visits every other page once, in the
sidebar's order, by clicking its sidebar link as a presenter does; prints the seconds from the
click (from page.goto for the Overview) to the page's first run finished: its title drawn, the
script state `notRunning` and no `stSpinner` left. The median over the servers comes last
(bar: 1 s a page). Each server is followed by a one-line hello-world app with our config
(`bench_app.hello_app`), started and timed the same way as the Overview: the floor Streamlit and
a fresh browser context set for a first page at the machine's present load, which no page of
ours can go under. One browser serves every server, each in a new context, whose cache is
empty (a context downloads Streamlit's 2.7 MB of static files again): a first visit's figures.
The load average is printed first: other work on the machine slows every figure. With
`--against DIR...`, other copies of the app (an older commit, `git archive REV | tar -x -C DIR`) are
timed the same way on servers of its own, taking turns with this one, and its medians are
printed beside this one's: a before and after from one run, at one load.

With `--warm-browser`, the presenter's case: the browser has opened the app before, so
Streamlit's hashed static files (served `immutable`) are in its cache, and only the server is
fresh (a Cloud app woken from sleep). Each app then keeps one browser context and one port
across its servers, after an untimed first visit that fills the cache; the hello-world floor is
taken the same way.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_app import hello_app  # noqa: E402
from tests.appserver import CHROMIUM_ARGS, app_server, free_port, wait_idle  # noqa: E402

HELLO = "hello-world app"
# the default page's address is the root
PAGES = [
    ("", "Overview"),
    ("data", "Dataset"),
    ("lab", "Anomaly Lab"),
    ("signals", "Features"),
    ("roc", "Threshold & ROC"),
    ("model", "MLP"),
    ("check", "Check your clip"),
]
WAIT_MS = 120_000
# the page's own path in the address bar, a title other than the previous page's, the run over
# and no spinner left on the page
DONE = """([path, previous]) => {
    const app = document.querySelector("[data-testid='stApp']");
    const h1 = document.querySelector("h1");
    return location.pathname.endsWith("/" + path)
        && h1 !== null && h1.textContent !== previous
        && app !== null && app.getAttribute("data-test-script-state") === "notRunning"
        && document.querySelector("[data-testid='stSpinner']") === null;
}"""


def one_server(context, port: int, app_dir: Path = ROOT) -> dict[str, float]:
    figures = {}
    with tempfile.TemporaryDirectory() as no_data, app_server(no_data, port=port, app_dir=app_dir) as (proc, url, _):
        page = context.new_page()
        previous = ""
        for path, title in PAGES:
            start = time.perf_counter()
            if not path:
                page.goto(f"{url}/")
            else:
                page.locator(f"[data-testid='stSidebarNav'] a[href$='/{path}']").first.click()
            page.wait_for_function(DONE, arg=[path, previous], timeout=WAIT_MS, polling=20)
            figures[title] = time.perf_counter() - start
            wait_idle(page, WAIT_MS)
            if page.locator("[data-testid='stSpinner']").count():
                page.wait_for_selector("[data-testid='stSpinner']", state="detached", timeout=WAIT_MS)
            previous = page.locator("h1").first.text_content()
        page.close()
    return figures


def hello_world(context, port: int, folder: Path) -> float:
    """The hello-world app's first page, from page.goto to its title drawn and the run over."""
    with tempfile.TemporaryDirectory() as no_data, app_server(no_data, port=port, app_dir=folder) as (proc, url, _):
        page = context.new_page()
        start = time.perf_counter()
        page.goto(f"{url}/")
        page.wait_for_function(DONE, arg=["", ""], timeout=WAIT_MS, polling=20)
        seconds = time.perf_counter() - start
        page.close()
    return seconds


class Visitor:
    """A browser context and a port for one app: new for every server (an empty cache, a first
    visit), or, with `warm`, the same for all of them after one untimed visit."""

    def __init__(self, browser, warm: bool, first_visit):
        self.browser, self.warm = browser, warm
        self.context, self.port = None, free_port()
        if warm:
            self.context = self._new()
            first_visit(self.context, self.port)

    def _new(self):
        return self.browser.new_context(viewport={"width": 1400, "height": 1200})

    def time(self, measure):
        context = self.context if self.warm else self._new()
        try:
            return measure(context, self.port)
        finally:
            if not self.warm:
                context.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, default=3, help="fresh servers to time (median printed)")
    ap.add_argument(
        "--against", type=Path, nargs="+", default=[], help="other copies of the app, timed in turns with this one"
    )
    ap.add_argument("--warm-browser", action="store_true", help="a browser that has opened the app before")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if not chromium:
        raise SystemExit("Debian's chromium is not on PATH")
    print(f"load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    apps = {"this": ROOT, **{str(d): d.resolve() for d in args.against}}
    runs = {name: [] for name in apps}
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        hello = hello_app(Path(tmp) / "hello")
        visitors = {
            name: Visitor(browser, args.warm_browser, lambda c, port, d=app_dir: one_server(c, port, d))
            for name, app_dir in apps.items()
        }
        hello_visitor = Visitor(browser, args.warm_browser, lambda c, port: hello_world(c, port, hello))
        for i in range(args.servers):
            for name, app_dir in apps.items():
                runs[name].append(visitors[name].time(lambda c, port, d=app_dir: one_server(c, port, d)))
                print(f"server {i + 1} ({name}): " + ", ".join(f"{t} {s:.2f} s" for t, s in runs[name][-1].items()))
            runs["this"][-1][HELLO] = hello_visitor.time(lambda c, port: hello_world(c, port, hello))
            print(f"server {i + 1}: {HELLO} {runs['this'][-1][HELLO]:.2f} s", flush=True)
        browser.close()
    cache = "a browser that has opened the app before" if args.warm_browser else "a browser with an empty cache"
    print(f"first full run of each page on a fresh server, {cache}, median of {args.servers} (bar 1 s):")
    if args.against:
        print(f"  {'':16s}  this  " + "  ".join(str(d) for d in args.against))
    for _, title in PAGES:
        medians = [statistics.median(r[title] for r in runs[name]) for name in apps]
        row = "  ".join(f"{m:5.2f} s" for m in medians)
        print(f"  {title:16s} {row}{'  OVER 1 s' if medians[0] > 1 else ''}")
    print(f"  ({HELLO}'s first page: {statistics.median(r[HELLO] for r in runs['this']):.2f} s, the floor)")
    print(f"load average after the run: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
