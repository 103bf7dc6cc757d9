"""What is measured of a clip before any sync analysis: the seed methods' flow and MFCC
features and their cache (`seed_features`), the forensic damage cues of a decode (`cues`),
and what the app's Features page browses of a clip (`preview`).

May import `avcore.io` and the top-level `errors`, `paths`, `parallel`; not `avcore.data` or
`avcore.damage` (features read any clip, made or uploaded), nothing above.
"""
