"""What an upload and its analysis keep in the server's memory (see app_support.runtime)."""

from __future__ import annotations

import gc

from streamlit.proto.Common_pb2 import FileURLs
from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

from app_support import runtime, upload


def uploaded(data: bytes) -> UploadedFile:
    return UploadedFile(UploadedFileRec("f1", "clip.mp4", "video/mp4", data), FileURLs())


def test_an_upload_is_hashed_and_written_without_a_copy(tmp_path):
    data = bytes(range(256)) * 4096
    clip = uploaded(data)
    assert upload.sha256(clip) == upload.sha256(data)
    with upload.as_file(clip) as path:
        assert open(path, "rb").read() == data
    # still sharing the upload manager's bytes: what st.video(clip) registers is that same object
    assert upload.data(clip) is data and clip.getvalue() is data


def test_a_cached_analysis_keeps_no_decode(click_clip):
    from app_support.cache import slim
    from avcore import scoring
    from avcore.check import Checker
    from avcore.verdict import DEFAULT_TOLERANCE

    full = scoring.Scorer.load().checker.analyse(str(click_clip))
    kept = slim(full)
    assert kept.clip.decoded.frames.size == 0 and kept.clip.decoded.notes == full.clip.decoded.notes
    assert kept.clip.curves is full.clip.curves and kept.readings == full.readings
    assert Checker.decide(kept, DEFAULT_TOLERANCE) == Checker.decide(full, DEFAULT_TOLERANCE)


def test_a_full_collection_leaves_the_frozen_state_as_it_found_it():
    before = gc.get_freeze_count()
    try:
        gc.freeze()
        runtime.full_collection()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        if before:
            gc.freeze()
    assert runtime.close_gone_sessions({}) == 0  # no server here: nothing to close
