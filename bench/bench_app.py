"""The app's speed and memory bars, measured against a real server in Debian's chromium.

    python bench/bench_app.py [--skip-memory] [--rounds] [--only-rounds]

Prints, for one freshly started server that has no generated data folder (as on Community Cloud):
  1. seconds from starting the server to the Overview rendered in the browser (bar: 3 s). The
     browser profile lives in bench/out/, so from the second run on it has Streamlit's static
     files cached, as a presenter's browser has; the first run shows the fresh-browser figure;
  2. seconds from uploading a 10 s 1080p clip, right after that, to its verdict card (bar: 3 s,
     cold start included: the models are still loading in the background), then the same for
     another clip once warm; with the server's CPU seconds (ffmpeg included) beside each, which
     a busy machine inflates less than wall time;
  3. a threshold-slider step: the server process's CPU time per step over ten key presses
     (bar: 100 ms), and the round trip in the browser from key press to the redrawn plots;
  4. the server's peak RSS while three browser sessions each analyse their own 60 s 1080p clip
     (bar: 1.5 GB), with the peak of it and its ffmpeg children beside it, as PSS (shared pages
     split between the processes that share them);
  4b. (--rounds) three rounds of three concurrent sessions, each in its own browser context and
     uploading its own ~190 MB clip (60 s 1080p at 25 Mbit/s) to the Check page: the peak PSS of
     the server and its ffmpeg children during each round, and their level once the round's
     contexts are closed and 15 s have passed (bar: under 2 GB during, 1.5 GB after);
  5. figure 1 for a one-line hello-world app with our config, started the same way and timed
     last (so its browser is the warmer one): the floor Streamlit and the browser set on this
     machine at its present load.
Clips are made with the imageio-ffmpeg binary (testsrc2 and a sine) and kept in bench/out/.
The load average is printed first: other work on the machine slows every wall-clock figure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from avcore.io import ffmpeg  # noqa: E402
from tests.appserver import CHROMIUM_ARGS, app_server, wait_idle  # noqa: E402

OUT = ROOT / "bench" / "out"
BENCH_PORT = 8599  # fixed, so the browser profile's cache of Streamlit's static files can be reused
PROFILE = OUT / "chromium-profile"
VERDICT = "[data-testid='stMarkdownContainer'] h2"  # the verdict card's headline
WAIT_MS = 120_000  # the longest a step may take on a busy 2-core machine before the run fails


def first_render(page, server) -> tuple[float, float]:
    """Seconds from starting `server` to its health check answering and to its first page drawn
    (a title, and the script run finished)."""
    proc, url, started = server
    health = time.perf_counter() - started
    page.goto(url)
    page.wait_for_selector("h1", timeout=60_000)
    wait_idle(page, WAIT_MS)
    return health, time.perf_counter() - started


def hello_app(folder: Path) -> Path:
    """A one-line Streamlit app beside a copy of our .streamlit/config.toml."""
    (folder / ".streamlit").mkdir(parents=True)
    shutil.copy(ROOT / ".streamlit" / "config.toml", folder / ".streamlit" / "config.toml")
    (folder / "streamlit_app.py").write_text('import streamlit as st\n\nst.title("Hello")\n')
    return folder


def make_clip(name: str, seconds: int, size: str, tone: int) -> Path:
    """testsrc2 with a beeping sine, H.264 + AAC; made once and kept."""
    out = OUT / name
    if not out.is_file():
        OUT.mkdir(parents=True, exist_ok=True)
        ffmpeg.run(
            [
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"testsrc2=size={size}:rate=25",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency={tone}:beep_factor=4",
                "-t",
                str(seconds),
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                str(out),
            ],
            timeout=900,
        )
    return out


def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def proc_kb(pid: int, file: str, key: str) -> int:
    """A kB figure from /proc/<pid>/<file>; 0 once the process has gone."""
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kb(pid: int) -> int:
    return proc_kb(pid, "status", "VmRSS:")


def pss_kb(pid: int) -> int:
    """Proportional set size: pages shared by several processes (every ffmpeg child maps the
    same 170 MB binary) are split between them, so a sum over processes is memory in use,
    where a sum of RSS counts the shared pages once per process."""
    return proc_kb(pid, "smaps_rollup", "Pss:")


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids = [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            continue
        for k in kids:
            found += [k, *children(k)]
    return found


class RssSampler(threading.Thread):
    """Peak RSS of the server process, and peak PSS of the server plus its children, every
    100 ms."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_server, self.peak_tree, self.running = pid, 0, 0, True

    def run(self) -> None:
        while self.running:
            server = rss_kb(self.pid)
            self.peak_server = max(self.peak_server, server)
            self.peak_tree = max(self.peak_tree, sum(pss_kb(k) for k in [self.pid, *children(self.pid)]))
            time.sleep(0.1)


def upload(page, url: str, clip: Path) -> float:
    page.goto(f"{url}/check")
    wait_idle(page, WAIT_MS)
    start = time.perf_counter()
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(clip))
    return start


def timed_verdict(page, url: str, clip: Path, pid: int) -> tuple[tuple[float, float], float]:
    """(seconds from upload to the verdict card, upload time) and the server's CPU seconds
    (ffmpeg included) over that span; then waits for the evidence to finish."""
    start = upload(page, url, clip)
    cpu = cpu_seconds(pid)
    page.wait_for_selector(VERDICT, timeout=120_000)
    took = time.perf_counter() - start
    cpu = cpu_seconds(pid) - cpu
    wait_idle(page, WAIT_MS)
    return (took, start), cpu


def verdicts_at_once(pages, url: str, clips: list[Path]) -> float:
    """Seconds from uploading one clip in each page (all at once) to every page's verdict."""
    start = time.perf_counter()
    for pg, clip in zip(pages, clips):
        upload(pg, url, clip)
    for pg in pages:
        pg.wait_for_selector(VERDICT, timeout=600_000)
        wait_idle(pg, 600_000)
    return time.perf_counter() - start


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its finished children (ffmpeg) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def warmed_up(page, url: str, pid: int) -> None:
    """Open the MLP page, which waits for the models, then wait until the server has been idle
    for a second, so later figures exclude the warm-up."""
    page.goto(f"{url}/model")
    page.wait_for_selector("[data-testid='stMetricValue']", timeout=120_000)
    wait_idle(page, WAIT_MS)
    while True:
        before = cpu_seconds(pid)
        time.sleep(1.0)
        if cpu_seconds(pid) - before < 0.05:
            return


def big_clips() -> list[Path]:
    """Three ~190 MB clips (60 s 1080p, constant 25 Mbit/s), the same picture in other bytes."""
    first = OUT / "testsrc2-60s-1080p-25M.mp4"
    if not first.is_file():
        OUT.mkdir(parents=True, exist_ok=True)
        ffmpeg.run(
            [
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=1920x1080:rate=25",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=440:beep_factor=4",
                "-t",
                "60",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-b:v",
                "25M",
                "-minrate",
                "25M",
                "-maxrate",
                "25M",
                "-bufsize",
                "4M",
                "-x264-params",
                "nal-hrd=cbr",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                str(first),
            ],
            timeout=900,
        )
    clips = [first]
    for i in (2, 3):
        copy = OUT / f"testsrc2-60s-1080p-25M-{i}.mp4"
        if not copy.is_file():
            ffmpeg.run(
                ["-v", "error", "-y", "-i", str(first), "-c", "copy", "-metadata", f"title=session {i}", str(copy)]
            )
        clips.append(copy)
    return clips


def tree_pss_kb(pid: int) -> int:
    return sum(pss_kb(k) for k in [pid, *children(pid)])


def memory_rounds(
    pw, chromium: str, url: str, pid: int, sampler: RssSampler, rounds: int = 3, settle_s: float = 15.0
) -> None:
    """Figure 4b: `rounds` rounds of three concurrent sessions, each a fresh browser context that
    uploads its own ~190 MB clip, waits for the verdict card and the run's end, and is closed."""
    clips = big_clips()
    size = clips[0].stat().st_size / 1e6
    browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
    try:
        print(
            f"4b. {rounds} rounds of 3 sessions x a {size:.0f} MB clip; server + ffmpeg PSS before "
            f"{tree_pss_kb(pid) / 1024:.0f} MB",
            flush=True,
        )
        for r in range(1, rounds + 1):
            sampler.peak_server = sampler.peak_tree = 0
            contexts = [browser.new_context(viewport={"width": 1400, "height": 1200}) for _ in clips]
            pages = [c.new_page() for c in contexts]
            took = verdicts_at_once(pages, url, clips)
            for c in contexts:
                c.close()
            peak = sampler.peak_tree
            time.sleep(settle_s)
            after = statistics.median(tree_pss_kb(pid) for _ in range(5) if time.sleep(0.2) is None)
            print(
                f"    round {r}: verdicts in {took:.0f} s; peak during {peak / 1024:.0f} MB (bar 2048 MB), "
                f"after closing + {settle_s:.0f} s {after / 1024:.0f} MB (bar 1536 MB); "
                f"server RSS peak {sampler.peak_server / 1024:.0f} MB",
                flush=True,
            )
    finally:
        browser.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-memory", action="store_true", help="skip the three 60 s 1080p sessions")
    ap.add_argument("--rounds", action="store_true", help="add figure 4b: three rounds of three ~190 MB uploads")
    ap.add_argument("--only-rounds", action="store_true", help="figure 4b alone, on a fresh server")
    args = ap.parse_args()
    if args.only_rounds:
        return only_rounds()
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if not chromium:
        raise SystemExit("Debian's chromium is not on PATH")
    print(f"load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    clip10 = make_clip("testsrc2-10s-1080p.mp4", 10, "1920x1080", 440)
    clip10_other = make_clip("testsrc2-10s-1080p-b.mp4", 10, "1920x1080", 550)
    long_clips = [] if args.skip_memory else [make_clip("testsrc2-60s-1080p.mp4", 60, "1920x1080", 440)]
    for i, tone in enumerate((660, 880), start=2):  # same picture, other bytes: no shared cache entry
        if long_clips:
            copy = OUT / f"testsrc2-60s-1080p-{i}.mp4"
            if not copy.is_file():
                ffmpeg.run(
                    [
                        "-v",
                        "error",
                        "-y",
                        "-i",
                        str(long_clips[0]),
                        "-c",
                        "copy",
                        "-metadata",
                        f"title=session {i} tone {tone}",
                        str(copy),
                    ]
                )
            long_clips.append(copy)

    with sync_playwright() as p, tempfile.TemporaryDirectory() as no_data:
        returning = PROFILE.is_dir()
        browser = p.chromium.launch_persistent_context(
            str(PROFILE), executable_path=chromium, args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1200}
        )
        page = browser.new_page()
        port = BENCH_PORT if port_free(BENCH_PORT) else None
        with app_server(no_data, port=port) as (proc, url, started):
            sampler = RssSampler(proc.pid)
            sampler.start()
            try:
                health, first_page = first_render(page, (proc, url, started))
                who = "returning browser (static files cached)" if returning else "fresh browser profile"
                print(
                    f"1. first page, {who}: health after {health:.2f} s, Overview rendered {first_page:.2f} s "
                    f"after the server started (bar 3 s); server CPU by then {cpu_seconds(proc.pid):.2f} s"
                )

                cold, cold_cpu = timed_verdict(page, url, clip10, proc.pid)
                print(
                    f"2. first verdict on a 10 s 1080p clip, uploaded {cold[1] - started:.1f} s after the server "
                    f"started (models still warming): {cold[0]:.2f} s (bar 3 s), server CPU {cold_cpu:.2f} s"
                )
                warmed_up(page, url, proc.pid)
                warm, warm_cpu = timed_verdict(page, url, clip10_other, proc.pid)
                print(f"   the next new 10 s 1080p clip, warm: {warm[0]:.2f} s, server CPU {warm_cpu:.2f} s")

                page.goto(f"{url}/roc")
                wait_idle(page, WAIT_MS)
                page.wait_for_timeout(1000)
                thumb = page.locator("[data-testid='stSlider'] input[type='range']").first
                trips = []
                cpu_start = cpu_seconds(proc.pid)
                for step in range(1, 11):  # 0.50 -> 0.40, one fragment rerun per key press
                    thumb.focus()
                    start = time.perf_counter()
                    thumb.press("ArrowLeft")
                    page.locator(f"text=threshold {0.5 - 0.01 * step:.2f}").first.wait_for(timeout=10_000)
                    trips.append((time.perf_counter() - start) * 1000)
                    wait_idle(page, WAIT_MS)
                cpu_ms = (cpu_seconds(proc.pid) - cpu_start) * 100  # per step: 10 steps, in ms
                print(
                    f"3. threshold step: {cpu_ms:.0f} ms of server CPU time per step, mean of 10 (bar 100 ms); "
                    f"browser round trip median {statistics.median(trips):.0f} ms, max {max(trips):.0f} ms"
                )

                if long_clips:
                    base = rss_kb(proc.pid)
                    sampler.peak_server = sampler.peak_tree = 0
                    pages = [browser.new_page() for _ in long_clips]
                    took = verdicts_at_once(pages, url, long_clips)
                    time.sleep(0.5)
                    size = long_clips[0].stat().st_size / 1e6
                    print(
                        f"4. memory: 3 sessions x 60 s 1080p clip ({size:.0f} MB each), all verdicts in {took:.0f} s; "
                        f"server RSS before {base / 1024:.0f} MB, peak {sampler.peak_server / 1024:.0f} MB (bar 1536 MB); "
                        f"server + ffmpeg children peak {sampler.peak_tree / 1024:.0f} MB (PSS)"
                    )
                    for pg in pages:
                        pg.close()
                if args.rounds:
                    memory_rounds(p, chromium, url, proc.pid, sampler)
            finally:
                sampler.running = False
        for pg in browser.pages:  # else they would reconnect to the hello-world server on the same port
            pg.close()
        with app_server(no_data, port=port, app_dir=hello_app(Path(no_data) / "hello")) as hello:
            hello_health, hello_page = first_render(browser.new_page(), hello)
        print(
            f"5. floor, a hello-world app started the same way: health after {hello_health:.2f} s, "
            f"rendered {hello_page:.2f} s after the server started (figure 1 minus this is ours)"
        )
        browser.close()


def only_rounds() -> None:
    """Figure 4b on a fresh server, after its Check page has been opened once."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    print(f"load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    big_clips()
    with sync_playwright() as p, tempfile.TemporaryDirectory() as no_data:
        with app_server(no_data) as (proc, url, started):
            sampler = RssSampler(proc.pid)
            sampler.start()
            try:
                memory_rounds(p, chromium, url, proc.pid, sampler)
            finally:
                sampler.running = False
    print(f"load average after the run: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
