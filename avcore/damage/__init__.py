"""Damaging clips on purpose: the anomalies (time shift, noise, mute, distort) the dataset is
made of and the detector is trained to find (`anomalies`).

May import `avcore.io` and the top-level `errors`, `paths`, `parallel`; nothing above.
"""
