"""avcore: detect audio-visual misalignment in video, with no UI dependency.

The Streamlit app, the CLI and the tests all call into this package; it never imports Streamlit,
so it can be used and tested headless.

Its subpackages follow one clip: `io` (read) -> `damage` -> `data` -> `features` -> `sync` ->
`models` -> the verdict (`verdict`, `check`, `scoring`, `repair`) -> `eval`; each imports only
from the ones before it (docs/architecture.md, checked by tests/test_imports.py).
"""

from avcore.errors import AvcoreError

__all__ = ["AvcoreError"]
