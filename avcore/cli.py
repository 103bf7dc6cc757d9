"""`python -m avcore ...`: build data, damage clips, extract features, train, evaluate, score, repair.

Errors a user can cause end as one line on stderr and exit status 1 or 2, never a traceback.
Ctrl-C (status 130) and SIGTERM (143) stop ffmpeg and leave no temporary files.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import signal
import sys
import time
from pathlib import Path

from avcore import paths
from avcore.damage import anomalies
from avcore.data import dataset
from avcore.errors import AvcoreError
from avcore.eval import evaluate, feature_cache, training
from avcore.features import preview
from avcore.io import ffmpeg
from avcore.models import modelfiles, registry


def progress_bar(label: str):
    """A one-line progress bar on stderr, for the long batch commands."""
    start = time.monotonic()

    def update(done: int, total: int) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        elapsed = time.monotonic() - start
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {elapsed:5.1f}s")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return update


def finite_float(text: str) -> float:
    """argparse's `type=` for amounts: float() takes "nan" and "inf", which would pass every
    range check (NaN compares false) and silence or skip the damage instead of making it."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def cmd_dataset_build(args) -> int:
    out = Path(args.out) if args.out else paths.default_embedded_dir()
    start = time.monotonic()
    meta = dataset.build(out, size=args.size, seed=args.seed, progress=progress_bar("building"))
    print(f"wrote {len(meta)} clips and metadata.csv to {out} in {time.monotonic() - start:.1f} s")
    print(meta.groupby(["Label", "MisalignmentType"]).size().to_string())
    return 0


def cmd_dataset_ave_csv(args) -> int:
    from avcore.data import ave

    table = ave.annotations_to_csv(args.annotations, args.out)
    print(
        f"wrote {len(table)} rows ({table['VideoID'].nunique()} videos, {table['Category'].nunique()} categories) to {args.out}"
    )
    return 0


def cmd_dataset_ave_trim(args) -> int:
    from avcore.data import ave

    table = ave.parse_annotations(args.annotations)
    out = Path(args.out) if args.out else paths.data_dir() / "ave"
    meta = ave.trim_segments(
        table, args.ave_dir, out, seed=args.seed, limit=args.limit, progress=progress_bar("trimming")
    )
    print(f"wrote {len(meta)} segments and metadata.csv to {out}")
    return 0


def cmd_anomaly(args) -> int:
    params = {
        "time_shift": {"ms": args.ms},
        "noise": {"snr_db": args.snr_db, "seed": args.seed},
        "mute": {},
        "distort": {"strength": args.strength},
    }[args.type]
    out = anomalies.apply(args.input, args.output, args.type, **params)
    print(f"wrote {out}")
    return 0


def cmd_features(args) -> int:
    meta = dataset.load_metadata(args.dataset)
    table = feature_cache.feature_table(meta, Path(args.dataset), progress=progress_bar("features"))
    print(f"features of {len(table.distance)} clips in {Path(args.dataset) / 'features.npz'}")
    return 0


def cmd_train(args) -> int:
    folder = Path(args.dataset)
    meta = dataset.load_metadata(folder)
    table = feature_cache.feature_table(meta, folder, progress=progress_bar("features"))
    models = training.train(meta, table)
    if args.seed_config:
        models.mlp = models.mlp_seed_config
    models.save(folder / "models")
    for name, mlp in (("seed_mlp (default)", models.mlp), ("seed_mlp (--seed-config)", models.mlp_seed_config)):
        last = mlp.history[-1]
        print(
            f"{name}: {mlp.config}\n  last epoch train loss {last['train_loss']:.4f}, val loss {last['val_loss']:.4f}"
        )
    print(f"seed_threshold: sign {models.threshold.sign:+.0f}, threshold {models.threshold.threshold:.4f}")
    print(f"models saved in {folder / 'models'}")
    return 0


def cmd_evaluate(args) -> int:
    folder = Path(args.dataset)
    if args.sync:
        from avcore.eval import syncbench
        from avcore.verdict import DEFAULT_TOLERANCE, Tolerance

        tolerance = Tolerance.parse(args.tolerance_ms) if args.tolerance_ms else DEFAULT_TOLERANCE
        result = syncbench.run(
            args.sync,
            tolerance=tolerance,
            build_progress=progress_bar("building sync variants"),
            score_progress=progress_bar("scoring"),
        )
        print(json.dumps(result) if args.json else syncbench.format_table(result))
        return 0
    if args.tolerance_ms:
        raise AvcoreError("--tolerance-ms applies to evaluate --sync only.")
    if args.real:
        from avcore.eval import realbench

        real_dir = paths.data_dir() / "realbench"
        realbench.build(args.real, real_dir, progress=progress_bar("building real benchmark"))
        result, _, _ = evaluate.run(
            real_dir, trained_on=folder, progress=progress_bar("features"), retrain=args.retrain
        )
        print(json.dumps(result) if args.json else evaluate.format_table(result))
        return 0
    result, scores, models = evaluate.run(folder, progress=progress_bar("features"), retrain=args.retrain)
    if args.ship:
        ship(folder, result, scores, models)
    print(json.dumps(result) if args.json else evaluate.format_table(result))
    return 0


def ship(folder: Path, result: dict, scores, models) -> None:
    """Copy what the app needs into assets/, so it starts at once with no data folder: the
    models with the detector's checksum (without it the detector is not loaded), the results,
    the full metadata table and a small playable sample of test clips."""
    registry.Models(models.threshold, models.mlp, models.detector).save(paths.ASSETS / "models")
    modelfiles.write_shipped_checksums()
    results = paths.ASSETS / "results"
    results.mkdir(parents=True, exist_ok=True)
    evaluate.write_json(results / "evaluation.json", result)
    scores.to_csv(results / "test_scores.csv", index=False)
    sample_dir = paths.SHIPPED
    shutil.rmtree(sample_dir, ignore_errors=True)
    (sample_dir / "clips").mkdir(parents=True)
    meta = dataset.load_metadata(folder)
    shutil.copy(folder / "metadata.csv", sample_dir / "metadata.csv")
    shutil.copy(folder / "features.npz", sample_dir / "features.npz")  # lets the app train the MLP live
    for path in dataset.sample_rows(meta)["Path"]:
        shutil.copy(path, sample_dir / "clips" / Path(path).name)
    preview.write_shipped_mfcc()


def cmd_score(args) -> int:
    from avcore import scoring
    from avcore.verdict import DEFAULT_TOLERANCE, Tolerance

    tolerance = Tolerance.parse(args.tolerance_ms) if args.tolerance_ms else DEFAULT_TOLERANCE
    scorer = scoring.Scorer.load(Path(args.models) if args.models else None)
    failed = False
    for path in args.paths:
        try:
            row = {"path": path, **scorer.score(path, method=args.method, tolerance=tolerance)}
        except AvcoreError as exc:
            row, failed = {"path": path, "error": str(exc)}, True
        print(json.dumps(row) if args.json else scoring.describe(row))
    return 1 if failed else 0


def cmd_repair(args) -> int:
    from avcore.repair import repair

    offset = repair(args.input, args.output)
    side = "late" if offset > 0 else "early"
    print(f"audio was {abs(offset):.0f} ms {side}; wrote the re-timed clip to {args.output}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m avcore", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    default_ds = str(paths.default_embedded_dir())

    ds = sub.add_parser("dataset", help="build the embedded dataset or convert/trim AVE").add_subparsers(
        dest="action", required=True
    )
    b = ds.add_parser("build", help="write synthetic clips and metadata.csv")
    b.add_argument("--size", type=int, default=dataset.DEFAULT_SIZE, help="number of clips (default %(default)s)")
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--out", help=f"output folder (default {default_ds})")
    b.set_defaults(func=cmd_dataset_build)
    c = ds.add_parser("ave-csv", help="convert AVE's Annotations.txt to CSV with Duration")
    c.add_argument("annotations")
    c.add_argument("--out", default="ave_annotations_preprocessed.csv")
    c.set_defaults(func=cmd_dataset_ave_csv)
    t = ds.add_parser("ave-trim", help="cut annotated AVE segments into aligned/misaligned clips")
    t.add_argument("annotations")
    t.add_argument("--ave-dir", required=True, help="folder holding <VideoID>.mp4 files")
    t.add_argument("--out", help="output folder (default data/ave)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--limit", type=int, help="stop after this many segments")
    t.set_defaults(func=cmd_dataset_ave_trim)

    a = sub.add_parser("anomaly", help="write a damaged copy of a clip")
    a.add_argument("input")
    a.add_argument("output")
    a.add_argument("--type", required=True, choices=anomalies.TYPES)
    a.add_argument("--ms", type=finite_float, default=500.0, help="time_shift: delay (>0) or advance (<0) in ms")
    a.add_argument("--snr-db", type=finite_float, help="noise: mix at this SNR instead of replacing the audio")
    a.add_argument("--strength", type=finite_float, default=1.0, help="distort: 1 is the original setpts warp")
    a.add_argument("--seed", type=int, default=0)
    a.set_defaults(func=cmd_anomaly)

    for name, func, help_ in (
        ("features", cmd_features, "extract (cached) features of every clip of a dataset"),
        ("train", cmd_train, "fit every method on the training split"),
        ("evaluate", cmd_evaluate, "metrics on the test split, anomaly as the positive class"),
    ):
        s = sub.add_parser(name, help=help_)
        s.add_argument("--dataset", default=default_ds, help="dataset folder (default %(default)s)")
        s.set_defaults(func=func)
        if name == "train":
            s.add_argument(
                "--seed-config", action="store_true", help="save the MLP trained with the original settings as seed_mlp"
            )
        if name == "evaluate":
            s.add_argument("--json", action="store_true", help="print one JSON object")
            s.add_argument("--retrain", action="store_true", help="train again even if models are saved")
            s.add_argument("--ship", action="store_true", help="also write models and results into assets/ for the app")
            bench = s.add_mutually_exclusive_group()
            bench.add_argument(
                "--real",
                metavar="DIR",
                help="score a benchmark built from the real clips in DIR with models trained on --dataset",
            )
            bench.add_argument(
                "--sync",
                metavar="DIR",
                help="the real-footage sync benchmark: the verdict on the clips in DIR "
                "(grid-*, retalk-*, vas-*, vgg-*, ...), shifted and swapped copies of them",
            )
            s.add_argument(
                "--tolerance-ms",
                metavar="EARLY,LATE",
                help="with --sync: offsets that count as in sync, sound up to EARLY ms early and LATE ms late (default 45,125)",
            )

    sc = sub.add_parser("score", help="verdict for one or more clips")
    sc.add_argument("paths", nargs="+")
    sc.add_argument("--json", action="store_true", help="one JSON object per line")
    sc.add_argument("--method", default="detector", help="detector (default), seed_threshold or seed_mlp")
    sc.add_argument("--models", help="folder of trained models (default: the shipped assets/models)")
    sc.add_argument(
        "--tolerance-ms",
        metavar="EARLY,LATE",
        help="offsets that count as in sync: sound up to EARLY ms early and LATE ms late (default 45,125, ITU-R BT.1359)",
    )
    sc.set_defaults(func=cmd_score)

    r = sub.add_parser("repair", help="re-time the audio by the measured offset, when it was measured exactly")
    r.add_argument("input")
    r.add_argument("output")
    r.set_defaults(func=cmd_repair)
    return p


class Terminated(KeyboardInterrupt):
    """SIGTERM (what a container stop sends) turned into an exception, so that a command
    unwinds as Ctrl-C makes it: `with TemporaryDirectory` blocks remove their folders and
    `ffmpeg.run` kills its child. The default action would end Python on the spot, leaving
    both behind."""


def _terminate(signum, frame) -> None:
    ffmpeg.stop_all()  # first: worker threads waiting on ffmpeg would hold up the unwinding
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.func(args)
    except AvcoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Terminated:
        print("terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
