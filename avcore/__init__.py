"""avcore: detect audio-visual misalignment in video, with no UI dependency.

The Streamlit app, the CLI and the tests all call into this package; it never imports Streamlit,
so it can be used and tested headless.
"""

from avcore.errors import AvcoreError

__all__ = ["AvcoreError"]
