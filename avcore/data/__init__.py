"""Where clips come from: procedural clips whose sound is caused by what is seen (`synth`), the
embedded dataset (`dataset`), and the AVE annotations and segments (`ave`); all of them write
a sample's metadata the one way `schema` says.

May import `avcore.damage`, `avcore.io` and the top-level `errors`, `paths`, `parallel`;
nothing above.
"""
