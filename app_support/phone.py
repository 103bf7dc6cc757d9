"""What a phone-sized window needs beyond Streamlit's own layout: mounted on every run.

At most Streamlit's `md` breakpoint (768 px) wide, the sidebar overlays the page instead of
sitting beside it. Streamlit closes it after a click on a page link only when the browser's
user agent names a phone (`navigator.userAgent` parsed as deviceType "mobile"): a narrow window
with another user agent (a phone asking for the desktop site, a tablet in split view, a narrow
desktop window) kept the sidebar over the page it had just opened. So a click on a page link
closes it whenever it overlays. A Markdown table wider than the screen (the Overview's results)
scrolls sideways in its own box instead of being cut off.
"""

from __future__ import annotations

import streamlit as st

# Drawn as Markdown with the run's other elements. Style-only `st.html` (Streamlit's event
# container) was missing after some runs in the browser tests, and a component's CSS applies
# only once the component has loaded: either way a table could show cut off. On a narrow screen
# the pipeline diagram keeps a legible width and scrolls too, and Plotly's tool bar, which a
# touch screen shows all the time, no longer covers the figures' titles (pinching zooms anyway).
_CSS = """<style>
[data-testid="stMarkdownContainer"]:has(> table) { overflow-x: auto; }
@media (max-width: 768px) {
  [data-testid="stGraphVizChart"] { overflow-x: auto; }
  [data-testid="stGraphVizChart"] svg { min-width: 720px; }
  [data-testid="stPlotlyChart"] .modebar-container { display: none; }
}
</style>"""

# Registered once per page load (the flag), since the component mounts on every run. Runs after
# Streamlit's own click handler, so a sidebar it has already closed is left alone.
_JS = """
export default function () {
  if (window.avlabClosesSidebar) return;
  window.avlabClosesSidebar = true;
  const OVERLAY_MAX_PX = 768;
  document.addEventListener("click", (event) => {
    if (!event.target.closest("[data-testid='stSidebarNavLink']") || window.innerWidth > OVERLAY_MAX_PX) return;
    setTimeout(() => {
      const collapse = document.querySelector("[data-testid='stSidebarCollapseButton'] button");
      if (collapse && collapse.getAttribute("aria-expanded") === "true") collapse.click();
    }, 0);
  }, true);
}
"""
_close_sidebar_after_nav = st.components.v2.component("avlab_close_sidebar_after_nav", js=_JS)


def render() -> None:
    with st.sidebar:  # where their empty elements take no room on the page
        st.markdown(_CSS, unsafe_allow_html=True)
        _close_sidebar_after_nav(key="avlab_close_sidebar_after_nav")
