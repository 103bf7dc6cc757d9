"""Every page of the app under AppTest: it runs without an exception and shows its key elements.

The app runs as on Community Cloud: no generated data folder (conftest points AVCORE_DATA at an
empty temporary folder), so everything comes from the shipped assets.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from conftest import ROOT, SHARED, real_clip
from streamlit.testing.v1 import AppTest

UNEXPECTED = "Something went wrong on this page"


def clean(at: AppTest) -> AppTest:
    """Fail on an exception element, or on the entry script's catch-all message for bugs."""
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if UNEXPECTED in e.value]
    return at


@pytest.fixture
def app() -> AppTest:
    return clean(AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run())


@pytest.fixture
def local_app(monkeypatch) -> AppTest:
    """The app as its owner runs it on their own machine, reading local datasets."""
    monkeypatch.setenv("AVLAB_LOCAL_DATA", "1")
    return clean(AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run())


def open_page(at: AppTest, name: str) -> AppTest:
    return clean(at.switch_page(f"pages/{name}.py").run())


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview(app):
    assert app.title[0].value == "AV Alignment Lab"
    assert app.get("graphviz_chart")
    assert not app.dataframe
    tables = [m.value for m in app.markdown if m.value.startswith("| method |")]
    assert len(tables) == 2  # headline results and recall per type
    assert "| baseline accuracy |" in tables[0] and "| baseline F1 |" in tables[0]
    assert "| seed MLP |" in tables[0]


PAGE_PROBE = """
import sys
from app_support import cache
cache.start_warm_up = lambda: None  # the models load once the page is drawn, numpy and all
from streamlit.testing.v1 import AppTest
page, title, heavy = sys.argv[1], sys.argv[2], sys.argv[3:]
at = AppTest.from_file("streamlit_app.py", default_timeout=60).run()
if page:
    at.switch_page(page).run()
assert not at.exception and at.title[0].value == title, at.exception
print(" ".join(m for m in heavy if m in sys.modules))
"""


def libraries_loaded(page: str, title: str, heavy: tuple[str, ...]) -> str:
    """Which of `heavy` a page's first run (after the Overview's) imports, in a fresh
    interpreter: this one has long imported everything."""
    run = subprocess.run(
        [sys.executable, "-c", PAGE_PROBE, page, title, *heavy], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def test_first_page_loads_no_heavy_library():
    """The Overview must render within 3 s of the server starting; importing pandas alone took
    0.4 s of that."""
    assert libraries_loaded("", "AV Alignment Lab", ("numpy", "pandas", "pyarrow", "cv2")) == ""


def test_mlp_page_shows_the_shipped_model_without_torch():
    """Importing torch took the MLP page's cold first run to 1.5-1.8 s; the shipped weights'
    history comes from their card, and torch loads only to score a clip or train."""
    assert libraries_loaded("pages/6_mlp.py", "MLP", ("torch",)) == ""


def test_anomaly_lab_opens_without_scikit_learn():
    """The detector (scikit-learn) is needed once a render is checked, not to choose one: on a
    fresh server the page's first run waited for the models' thread to import it."""
    assert libraries_loaded("pages/3_anomaly_lab.py", "Anomaly Lab", ("sklearn",)) == ""


def test_features_page_shows_a_shipped_clip_without_librosa():
    """librosa's first call took 1.5 s of the Features page's cold first run; a shipped clip's
    MFCC is made ahead (`avcore.features.preview`)."""
    assert libraries_loaded("pages/4_features.py", "Features", ("librosa", "scipy.signal")) == ""


def test_the_shipped_mfcc_table_is_what_the_code_makes():
    """assets/embedded/view_mfcc.npz is what the code makes of the shipped clips (`evaluate --ship` writes both)."""
    import numpy as np

    from avcore.features import preview

    made = preview.shipped_mfcc()
    with np.load(preview.SHIPPED_MFCC) as shipped:
        assert sorted(shipped.files) == sorted(made)
        for sha, mfcc in made.items():
            assert np.allclose(shipped[sha], mfcc, atol=1e-4), sha
    assert len(made) >= 20  # every shipped clip with sound


def test_visitors_never_see_error_details():
    """The server reads .streamlit/config.toml from the folder it starts in."""
    probe = "from streamlit import config; print(config.get_option('client.showErrorDetails'))"
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "none", run.stderr


def test_sidebar_offers_methods_and_dataset(app):
    method = app.selectbox(key="sb_method")
    assert method.value in ("detector", "seed_mlp")  # the best method with shipped results comes first
    assert "seed MLP" in method.options and "always aligned (trivial baseline)" not in method.options
    # without an AVE path there is nothing to choose: the dataset is named, not offered
    assert not [r for r in app.sidebar.radio if r.key == "sb_dataset"]
    assert any("Embedded (synthetic)" in c.value for c in app.sidebar.caption)
    assert not [c.value for c in app.sidebar.caption if "/" in c.value]  # no server path


def test_dataset_page_filters_and_plays(app):
    at = open_page(app, "2_dataset")
    assert len(at.get("plotly_chart")) == 2
    table = at.dataframe[0].value
    assert {"Category", "Label", "MisalignmentType", "Duration"} <= set(table.columns)
    assert table["Playable"].all()  # the shipped sample only, by default
    at.multiselect(key="ds_embedded_type").set_value(["mute"]).run()
    clean(at)
    assert set(at.dataframe[0].value["MisalignmentType"]) == {"mute"}
    at.session_state["ds_embedded_selected"] = at.dataframe[0].value.index[0]
    clean(at.run())
    assert at.get("video")


def test_dataset_page_shows_ave_categories(local_app):
    app = local_app
    annotations = ROOT.parent / "shared" / "ave" / "Annotations.txt"
    if not annotations.is_file():
        pytest.skip("the AVE annotation file (../shared/ave) is absent")
    at = open_page(app, "2_dataset")  # the embedded set first: its filters must not leak into AVE's view
    at.text_input(key="sb_ave_path").set_value(str(annotations)).run()
    at.radio(key="sb_dataset").set_value("AVE").run()
    table = clean(at).dataframe[0].value
    assert len(table) == 4143  # the annotation file's rows, none hidden (no AVE video is here)
    assert table["Category"].nunique() == 28
    assert len(at.get("plotly_chart")) == 2


def test_bad_ave_path_is_a_message(local_app):
    app = local_app
    app.text_input(key="sb_ave_path").set_value("/no/such/AVE").run()
    app.radio(key="sb_dataset").set_value("AVE").run()
    assert any("/no/such/AVE" in e.value for e in app.sidebar.error)
    at = open_page(app, "2_dataset")
    assert any("/no/such/AVE" in e.value for e in at.error)


def test_local_data_is_off_by_default(app):
    """On Community Cloud a visitor must not make the server read a path of their choosing."""
    assert not [t for t in app.text_input if t.key == "sb_ave_path"]
    assert not [r for r in app.sidebar.radio if r.key == "sb_dataset"]  # a choice of one is no control
    caption = [c for c in app.sidebar.caption if c.value == "Active dataset: Embedded (synthetic)"]
    assert caption and "AVLAB_LOCAL_DATA=1" in caption[0].help


def test_a_server_file_is_never_quoted(local_app, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("PASSWORD=hunter2\n")
    for path in (secret, "/dev/zero"):
        local_app.text_input(key="sb_ave_path").set_value(str(path)).run()
        local_app.radio(key="sb_dataset").set_value("AVE").run()
        errors = [e.value for e in clean(local_app).sidebar.error]
        assert errors and not any("hunter2" in e for e in errors), errors


def test_anomaly_lab_renders_two_clips_and_curves(app):
    at = open_page(app, "3_anomaly_lab")
    assert at.slider(key="lab_ms").min == -2000 and at.slider(key="lab_ms").max == 2000
    at.slider(key="lab_ms").set_value(-800).run()
    clean(at.button(key="lab_render").click().run())
    assert len(at.get("video")) == 2
    assert at.get("download_button")
    assert at.get("plotly_chart")
    for kind in ("noise", "mute", "distort"):
        at.radio(key="lab_kind").set_value(kind).run()
        assert not at.get("video"), "the last damage's result stayed on screen beside new settings"
        clean(at.button(key="lab_render").click().run())
        assert len(at.get("video")) == 2, kind
        said = [e.value for e in at.error if e.value.startswith("The detector on the altered clip")]
        # every recipe leaves a trace; the state word compared whole: "aligned" is inside "misaligned"
        states = [re.match(r"The detector on the altered clip: \*\*(\w+)\*\*\.", v) for v in said]
        assert [m and m.group(1) for m in states] == ["misaligned"], (kind, [e.value for e in at.error])


def test_features_page_for_lab_clips(app):
    at = open_page(app, "3_anomaly_lab")
    clean(at.button(key="lab_render").click().run())
    at = open_page(at, "4_features")
    assert len(at.get("image")) >= 1  # frames and HSV flow images
    assert len(at.get("plotly_chart")) >= 4  # curves, 2 MFCC, cross-correlation
    at.radio(key="feat_flow_mode").set_value("Magnitude heatmap").run()
    at.slider(key="feat_frame").set_value(5).run()
    clean(at)


def test_threshold_slider_moves_the_metrics(app):
    at = open_page(app, "5_threshold_roc")
    assert len(at.get("plotly_chart")) == 3
    before = metrics(at)
    at.slider(key="roc_threshold").set_value(0.99).run()
    after = metrics(clean(at))
    assert float(after["Recall"]) < float(before["Recall"])  # a stricter threshold calls fewer clips misaligned
    assert after["ROC AUC"] == before["ROC AUC"]
    at.button(key="roc_youden").click().run()
    assert clean(at).slider(key="roc_threshold").value != 0.99


def test_mlp_page_scores_a_dataset_clip(app):
    at = open_page(app, "6_mlp")
    assert {"Accuracy", "Precision", "Recall", "F1", "ROC AUC"} <= set(metrics(at))
    clean(at.button(key="mlp_score").click().run())
    assert any(v in ("damaged", "no damage found") for v in metrics(at).values())


def test_mlp_page_without_a_card_reads_the_weights(app, monkeypatch):
    """No card, or one written for other weights: the history comes from the weights (torch)."""
    from app_support import cache
    from avcore.models import modelfiles

    monkeypatch.setattr(modelfiles, "read_card", lambda weights: None)
    cache.mlp_card.clear()
    try:
        at = open_page(app, "6_mlp")
        assert any("learning rate 0.0001, 100 epochs" in c.value for c in at.caption), [c.value for c in at.caption]
        assert at.get("plotly_chart")
    finally:
        cache.mlp_card.clear()


def test_mlp_trains_live_on_a_feature_table(app, tiny_dataset, monkeypatch):
    from app_support import datasets
    from avcore.data import dataset
    from avcore.eval import feature_cache

    feature_cache.feature_table(dataset.load_metadata(tiny_dataset), tiny_dataset)
    monkeypatch.setattr(datasets, "embedded_dir", lambda: tiny_dataset)
    at = open_page(app, "6_mlp")
    at.radio(key="mlp_source").set_value("Train now").run()
    at.slider(key="mlp_epochs").set_value(10).run()
    clean(at.button(key="mlp_train").click().run())
    assert "mlp_trained" in at.session_state
    assert len(at.session_state["mlp_trained"].history) == 10
    assert "F1" in metrics(at)


def test_mlp_without_a_feature_table_explains(app, tmp_path, monkeypatch):
    import shutil

    from app_support import datasets
    from avcore.paths import SHIPPED

    shutil.copy(SHIPPED / "metadata.csv", tmp_path / "metadata.csv")
    monkeypatch.setattr(datasets, "embedded_dir", lambda: tmp_path)
    at = open_page(app, "6_mlp")
    at.radio(key="mlp_source").set_value("Train now").run()
    assert any("features.npz" in i.value for i in clean(at).info)


def test_every_uploader_states_the_cap(app):
    """The browser refuses a larger file before sending it, so the cap must be said beforehand."""
    at = open_page(app, "7_check_your_clip")
    assert at.file_uploader(key="check_upload").label == "Your clip (up to 200 MB)"
    assert "over 200 MB is refused before it is sent" in at.info[0].value
    for page, prefix in (("3_anomaly_lab", "lab"), ("6_mlp", "mlp")):
        at = open_page(at, page)
        at.radio(key=f"{prefix}_origin").set_value("Upload").run()
        assert clean(at).file_uploader(key=f"{prefix}_upload").label == "Upload a clip (up to 200 MB)"


def upload_page(app: AppTest, name: str, data: bytes) -> AppTest:
    at = open_page(app, "7_check_your_clip")
    assert "200 MB" in at.markdown[0].value
    return clean(at.file_uploader(key="check_upload").set_value((name, data, "video/mp4")).run())


def card_word(at: AppTest) -> str:
    """The verdict card's headline word, matched whole: "ALIGNED" is inside "MISALIGNED"."""
    words = [
        w
        for m in at.markdown
        for w in ("IN SYNC", "OUT OF SYNC OR DAMAGED", "NOT VERIFIED")
        if m.value.startswith("## ") and m.value.endswith(f" {w}]")
    ]
    assert len(words) == 1, [m.value for m in at.markdown]
    return words[0]


def test_check_a_real_clip_gives_a_verdict(app):
    """chaplin's music shows no sync: the honest answer is "not verified", never "in sync"."""
    at = upload_page(app, "chaplin.mp4", real_clip("chaplin.mp4").read_bytes())
    assert card_word(at) == "NOT VERIFIED"
    assert metrics(at)["Offset (sound vs picture)"] == "not measured"
    assert metrics(at)["Damage found"] == "none"
    assert at.get("plotly_chart")
    assert at.session_state["check_result"]["name"] == "chaplin.mp4"


def test_the_tolerance_control_re_decides_without_a_new_analysis(app, click_clip, tmp_path, monkeypatch):
    from avcore.damage import anomalies
    from avcore.sync import decode

    late = anomalies.time_shift(click_clip, tmp_path / "late.mp4", 320)
    at = upload_page(app, "late.mp4", late.read_bytes())
    assert card_word(at) == "OUT OF SYNC OR DAMAGED"
    with monkeypatch.context() as m:
        m.setattr(decode, "measure", lambda *a, **k: pytest.fail("a tolerance change decoded the clip again"))
        at.number_input(key="check_tol_late").set_value(500).run()
    # the delay's silence is damage whatever the tolerance: still out of sync
    assert card_word(clean(at)) == "OUT OF SYNC OR DAMAGED"


def test_check_offers_a_fix_for_a_shifted_clip(app, click_clip, tmp_path, monkeypatch):
    from avcore.damage import anomalies
    from avcore.sync import decode, events

    late = anomalies.time_shift(click_clip, tmp_path / "late.mp4", 320)
    at = upload_page(app, "late.mp4", late.read_bytes())
    assert metrics(at)["Offset (sound vs picture)"].endswith("ms")
    measured = []
    with monkeypatch.context() as m:  # the fix reuses the verdict's offset: only the fixed clip is analysed
        real_measure = decode.measure
        m.setattr(decode, "measure", lambda path, **k: measured.append(path) or real_measure(path, **k))
        clean(at.button(key="check_fix_button").click().run())
    assert len(measured) == 1, "the fix analysed the uploaded clip again, or did not check the fixed one"
    assert any(b.key == "check_fix_download" for b in at.get("download_button"))
    recheck = at.session_state["check_fix"]["recheck"]
    # the re-timed clip keeps the picture's length, so the re-check finds it in sync, not damaged
    assert recheck.state == "aligned" and abs(recheck.offset_ms) < 40, recheck
    fixed = tmp_path / "fixed.mp4"
    fixed.write_bytes(at.session_state["check_fix"]["data"])
    after = events.analyse(decode.measure(fixed)[1])
    assert after.synchronizable and abs(after.offset_ms) < 40


def test_the_nudge_previews_the_clip_with_the_sound_moved(app, click_clip, tmp_path):
    from avcore.sync import decode, events

    at = upload_page(app, "click.mp4", click_clip.read_bytes())
    at.slider(key="check_nudge").set_value(300).run()
    clean(at.button(key="check_nudge_button").click().run())
    nudged = at.session_state["check_nudged"]
    assert nudged["ms"] == 300 and any(b.key == "check_nudge_download" for b in at.get("download_button"))
    out = tmp_path / "nudged.mp4"
    out.write_bytes(nudged["data"])
    moved = events.analyse(decode.measure(out)[1])
    assert moved.synchronizable and moved.offset_ms == pytest.approx(300, abs=40)


def test_check_offers_a_fix_from_a_delays_leading_silence(app, tmp_path):
    """chaplin's music gives sync no lock, but adelay's digital silence measures the delay."""
    from avcore.damage import anomalies

    late = anomalies.time_shift(real_clip("chaplin.mp4"), tmp_path / "late.mp4", 700)
    at = upload_page(app, "late.mp4", late.read_bytes())
    assert float(metrics(at)["Offset (sound vs picture)"].removesuffix(" ms")) == pytest.approx(700, abs=40)
    assert [b for b in at.button if b.key == "check_fix_button"]


def test_check_a_clip_without_sound(app):
    at = upload_page(app, "no-audio.mp4", real_clip("no-audio-480p.mp4").read_bytes())
    assert metrics(at)["Offset (sound vs picture)"] == "not measured"
    assert card_word(at) == "OUT OF SYNC OR DAMAGED"  # no audio stream: the mute damage
    assert not [b for b in at.button if b.key == "check_fix_button"]  # no confident offset, no fix offered


def test_check_a_clip_shorter_than_half_a_second(app, tmp_path):
    """The CLI gives such a clip a verdict; the page's preview frame must not call it corrupt."""
    import numpy as np

    from avcore.io import media

    frames = np.full((10, 120, 160, 3), 90, np.uint8)
    short = media.write_clip(tmp_path / "short.mp4", frames, 25, np.zeros(6400, np.float32))
    at = upload_page(app, "short.mp4", short.read_bytes())
    assert not at.error, [e.value for e in at.error]
    card_word(at)  # exactly one verdict card
    assert at.session_state["check_result"]["facts"]["frame"].shape == (120, 160, 3)


def test_check_a_still_image_is_a_message(app, tmp_path):
    import cv2
    import numpy as np

    png = tmp_path / "photo.png"
    cv2.imwrite(str(png), np.full((120, 160, 3), 200, np.uint8))
    at = upload_page(app, "photo.mp4", png.read_bytes())
    assert at.error and "is a still image" in at.error[0].value
    assert "check_result" not in at.session_state


MARKDOWN_NAME = "**bold** :red[red] ![i](https://example.com/p.png) www.example.com $x$.mp4"


def test_check_shows_an_upload_name_as_plain_text(app):
    from app_support.text import plain

    at = upload_page(app, MARKDOWN_NAME, b"not a video")
    assert at.status[0].label == f"{plain(MARKDOWN_NAME)}: could not be analysed"
    at = upload_page(at, MARKDOWN_NAME, real_clip("short-480p-24fps.mp4").read_bytes())
    assert at.status[0].label == f"{plain(MARKDOWN_NAME)}: analysis complete"
    clean(at.file_uploader(key="check_upload").set_value(None).run())
    assert any(c.value.startswith(f"Last clip checked: {plain(MARKDOWN_NAME)} (") for c in at.caption)


def test_lab_shows_an_upload_name_as_plain_text(app):
    from app_support.text import plain

    at = open_page(app, "3_anomaly_lab")
    at.radio(key="lab_origin").set_value("Upload").run()
    at.file_uploader(key="lab_upload").set_value(
        (MARKDOWN_NAME, real_clip("short-480p-24fps.mp4").read_bytes(), "video/mp4")
    ).run()
    at.radio(key="lab_kind").set_value("mute").run()
    clean(at.button(key="lab_render").click().run())
    assert at.subheader[0].value.startswith(f"{plain(MARKDOWN_NAME)}: Mute")


def test_check_a_text_file_is_a_message(app):
    at = upload_page(app, "notes.mp4", b"this is a text file, not a video\n" * 20)
    assert at.error and "could not be read as a video" in at.error[0].value
    assert "check_result" not in at.session_state
    open_page(at, "1_overview")  # the app goes on working


def test_check_a_talking_head_is_in_sync_by_its_face(app):
    path = SHARED / "media" / "sync" / "retalk-3.mp4"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    at = upload_page(app, "retalk-3.mp4", path.read_bytes())
    assert card_word(at) == "IN SYNC"
    assert metrics(at)["Decided by"] == "speaking face"
    charts = [chart.proto.spec for chart in at.get("plotly_chart")]
    assert len(charts) >= 4  # curves, the events' lag curve or map, the mouth's lag curve, mouth and speech
    (timeline,) = [spec for spec in charts if "Mouth and speech over time" in spec]
    assert len(json.loads(timeline)["data"]) == 2  # in sync: the mouth and the sound as it plays, nothing moved


def test_check_a_talking_head_with_late_sound_shows_the_sound_moved(app, tmp_path):
    """A content shift (no silent gap): the face measures it, and the mouth-and-speech chart
    draws the sound moved by the offset the card gives."""
    from avcore.eval import syncbench

    src = SHARED / "media" / "sync" / "retalk-2.mp4"
    if not src.is_file():
        pytest.skip(f"{src} is absent")
    late = tmp_path / "late.mp4"
    case = syncbench.Case(
        "retalk-2.mp4", "talking", "shift_large_late", 600.0, str(late), (str(src), 0.6), (str(src), 0.0), 4.4
    )
    assert syncbench.make_case(case) is None
    at = upload_page(app, "late.mp4", late.read_bytes())
    assert card_word(at) == "OUT OF SYNC OR DAMAGED"
    assert metrics(at)["Decided by"] == "speaking face"
    offset = float(metrics(at)["Offset (sound vs picture)"].removesuffix(" ms"))
    assert offset == pytest.approx(600, abs=80)
    (timeline,) = [
        chart.proto.spec for chart in at.get("plotly_chart") if "Mouth and speech over time" in chart.proto.spec
    ]
    assert f"{offset:.0f} ms earlier (as measured)" in timeline
