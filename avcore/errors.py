"""The one exception type a user can cause.

Every failure that comes from the input (not media, truncated, no video stream, too slow) is
raised as `AvcoreError` with a sentence a person can act on, so the app shows it with
`st.error` and the CLI prints it, and neither ever shows a traceback.
"""


class AvcoreError(Exception):
    """A problem with the user's input, described for a person."""
