"""Methods that turn per-clip features into a misalignment score; anomaly is the positive class:
the seed threshold and MLP (`seed_threshold`, `seed_mlp`), the detector (`detector`), and the
checksummed files they are kept in (`modelfiles`).

May import `avcore.sync`, `avcore.features`, `avcore.io` and the top-level `errors`, `paths`, `roc`,
`parallel`; not the verdict (`avcore.verdict`, `avcore.check`) nor evaluation above it.
"""
