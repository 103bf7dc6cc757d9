"""Where clips come from: procedural clips whose sound is caused by what is seen (`synth`), the
embedded dataset and its metadata (`dataset`), and the AVE annotations and segments (`ave`).

May import `avcore.damage`, `avcore.io` and the top-level `errors`, `paths`, `parallel`;
nothing above.
"""
