"""How far the sound is from the picture. One decode of a clip (`decode.measure`) feeds two
paths: the events path (`events`: motion and flow curves of a grid of cells against the sound's
onsets) and the speech path (`speech`: a speaking face's mouth, found by `face` and tracked by
`mouth`, against the speech band). `signals` holds what both paths share (band loudness, lagged
Pearson, surrogates, the lag search, the parabolic peak); `windows` follows the offset over a
long clip. The conventions every module keeps (positive offset = audio late, in ms; seconds,
Hz, (width, height); the curves' time base) are stated once, in `events`' docstring; the
measurements behind the constants are in docs/sync-tuning.md.

Inside: `signals` <- `events` <- `decode`; `face` <- `mouth` <- `speech` (which reads
`signals`); `windows` reads `events`; `analysis` runs them all and the cues on one decode
and gives their numbers as one record (`Measurements`). May import `avcore.features`, `avcore.io` and the
top-level `errors`, `paths`, `parallel`; nothing above (no models, no verdict).
"""
