"""The navigation, with a workaround for deep links opened as a fresh server's first request.

Streamlit (issue #9624, still so in 1.67) decides once per server process, when the first
session starts, whether the app "uses the pages directory": `PagesManager.uses_pages_directory`
is True while a `pages/` folder sits beside the entry script, until some run calls
`st.navigation`. The first run therefore goes through the old folder-based navigation first
(`script_runner._mpa_v1`), which knows the pages only by their file names. A url_path of ours
such as `check` is not among them, so that navigation sends the browser "Page not found" and
runs this entry script, whose `st.navigation` then finds and runs the right page. Nothing of
ours runs before that message and no setting avoids it (`client.showSidebarNavigation` only
hides the old navigation), so the run that follows the old rules mounts a tiny component that
closes the dialog in the browser: a visitor sees it for a moment at most, never has to dismiss
it. A url_path equal to a file's name is no way out: the old navigation would then run the page
file alone, without the entry script and its sidebar, and never switch to the new rules.

The two 404s a deep link logs (`/check/_stcore/host-config`, `/check/_stcore/health`) are not
this: Streamlit's frontend tries the page's path as the base URL path first (streamlit PR #4574,
issue #7074, expected behaviour to its maintainers), and no setting of ours changes that.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st
from streamlit.navigation.page import StreamlitPage
from streamlit.runtime.pages_manager import PagesManager

# Closes the "Page not found" dialog if it is open or opens within the next few seconds; the
# dialog is Streamlit's error modal, known by its title.
_CLOSE_PAGE_NOT_FOUND = """
export default function () {
  const close = () => {
    for (const dialog of document.querySelectorAll("[role='dialog']")) {
      if (dialog.querySelector("h2")?.textContent.trim() === "Page not found") {
        dialog.querySelector("button[aria-label='Close']")?.click();
        return true;
      }
    }
    return false;
  };
  if (close()) return;
  const observer = new MutationObserver(() => close() && observer.disconnect());
  observer.observe(document.body, { childList: true, subtree: true });
  const stop = setTimeout(() => observer.disconnect(), 5000);
  return () => { clearTimeout(stop); observer.disconnect(); };
}
"""
_close_page_not_found = st.components.v2.component("avlab_close_page_not_found", js=_CLOSE_PAGE_NOT_FOUND)


def navigation(pages: Sequence[StreamlitPage]) -> StreamlitPage:
    """`st.navigation(pages)`, plus the dialog's dismissal on a run that followed the old rules
    and then found a page other than the default: there the old navigation's "Page not found"
    was wrong. A path that is no page at all still gets Streamlit's own dialog."""
    old_rules = bool(PagesManager.uses_pages_directory)  # st.navigation sets it to False
    page = st.navigation(pages)
    if old_rules and page.url_path:
        _close_page_not_found(key="avlab_close_page_not_found")
    return page
