"""AV Alignment Lab: entry point. Page config, the navigation over pages/, the shared sidebar.

Run with `streamlit run streamlit_app.py`. The last line starts loading the models in the
background once the first page has been sent, so the first page is not kept waiting for them.
"""

import logging

import streamlit as st

from app_support.runtime import bounded_malloc, single_threaded_math, start_memory_keeper

single_threaded_math()  # before anything can load a math library with a thread pool of its own
bounded_malloc()
start_memory_keeper()  # collects closed sessions' cycles (their uploads) every few seconds

from app_support import cache, deeplink, phone, sidebar  # noqa: E402
from avcore.errors import AvcoreError  # noqa: E402

# An emoji, which the browser draws itself. A Material icon as the favicon is fetched from
# fonts.gstatic.com (the visitor's browser calls a third party on every page), and an image file
# makes Streamlit import numpy and PIL (0.4 s) before the first page; the emoji costs loading
# Streamlit's emoji table once per server (0.17-0.23 s measured). Page icons below stay Material:
# those come from the font Streamlit serves itself.
st.set_page_config(page_title="AV Alignment Lab", page_icon="🎬", layout="wide")

# Streamlit knows a page by the hash of its url_path, and with a pages/ folder present a fresh
# server's first run (and every AppTest rerun) goes through its old folder-based navigation first,
# which would run a page file whose derived name (pages/6_mlp.py: "mlp") collides with a url_path
# alone, without this script and its sidebar (see app_support/deeplink.py). So every url_path
# differs from those names. The Overview, the default page, is served at the root whatever its
# url_path: "start" is only its identity, never an address.
PAGES = [
    st.Page("pages/1_overview.py", title="Overview", icon=":material/home:", url_path="start", default=True),
    st.Page("pages/2_dataset.py", title="Dataset", icon=":material/table_view:", url_path="data"),
    st.Page("pages/3_anomaly_lab.py", title="Anomaly Lab", icon=":material/science:", url_path="lab"),
    st.Page("pages/4_features.py", title="Features", icon=":material/insights:", url_path="signals"),
    st.Page("pages/5_threshold_roc.py", title="Threshold & ROC", icon=":material/tune:", url_path="roc"),
    st.Page("pages/6_mlp.py", title="MLP", icon=":material/hub:", url_path="model"),
    st.Page("pages/7_check_your_clip.py", title="Check your clip", icon=":material/fact_check:", url_path="check"),
]
UNEXPECTED = "Something went wrong on this page. The details are in the server log; try another clip or reload."

page = deeplink.navigation(PAGES)
sidebar.render()
phone.render()
try:
    page.run()
except AvcoreError as exc:  # pages catch these themselves; this is the backstop
    st.error(str(exc))
except Exception:  # a bug: log it for us, show a sentence to the audience, keep the app alive
    logging.getLogger("avlab").exception("page %s failed", page.title)
    st.error(UNEXPECTED)
cache.start_warm_up()
