"""How well the methods do, measured honestly: every method's per-clip features of a dataset and
their cache (`feature_cache`), fitting the methods on the training split (`training`), the
metrics (`metrics`), the evaluation report of the test split and its table (`evaluate`), the
real-clip and real-footage sync benchmarks (`realbench`, `syncbench`), and the report as the
first page's Markdown (`summary`, which imports nothing at all, so the first page stays light).

The top floor: may import everything below it (the verdict's `avcore.verdict`, `check`,
`scoring`, `repair`; `avcore.models`, `sync`, `features`, `data`, `damage`, `io` and the
top-level `errors`, `paths`, `parallel`); nothing imports it but the CLI, the app, the tests and
the benchmarks.
"""
