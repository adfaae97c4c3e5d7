"""Where a warm single-model invocation spends its time (issue 6's profiling step).

Runs what the worker runs, in one process: a parse, then `<cmd> -s <model>`
on the cached manifest (with --no-write-json, as the worker), and reports:
  - the worker's own step before dbt (the staleness fingerprint of the files),
  - dbt's phases from its events' arrival (set-up and DAG, run set-up, node, wrap-up),
  - cProfile's top functions by cumulative time for one invocation.

    .venv/bin/python bench/profile_invocation.py <project dir> <model> [run|compile|test] [--runs 5]

The project is used as it is (target/ and its DuckDB file are written): point
it at a copy, e.g. of a generated project in .cache/bench/projects/.
"""

import argparse
import cProfile
import importlib.util
import io
import os
import pstats
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def load_worker_module():
    for path in (os.path.join(HERE, "..", "dist", "dbt_worker.py"), os.path.join(HERE, "..", "src", "runner", "dbt_worker.py")):
        if os.path.exists(path):
            spec = importlib.util.spec_from_file_location("dbt_worker", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    raise SystemExit("No dbt_worker.py in dist/ or src/runner/: run node scripts/build.mjs first.")


PHASES = [
    ("request -> DAG ready (FoundStats)", None, "FoundStats"),
    ("DAG ready -> first node (NodeStart)", "FoundStats", "NodeStart"),
    ("first node -> last node finished", "NodeStart", "NodeFinished"),
    ("last node finished -> invoke returns", "NodeFinished", None),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("project")
    ap.add_argument("model")
    ap.add_argument("command", nargs="?", default="run")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--top", type=int, default=25)
    opts = ap.parse_args()
    project = os.path.abspath(opts.project)
    os.environ["DO_NOT_TRACK"] = "1"
    os.environ.setdefault("DBT_DUCKDB_PATH", os.path.join(project, "profile.duckdb"))

    worker = load_worker_module()
    from dbt.cli.main import dbtRunner

    base = ["--project-dir", project, "--profiles-dir", project, "--no-write-json", "--quiet"]
    t = time.monotonic()
    parsed = dbtRunner().invoke(["parse"] + base)
    if not parsed.success:
        raise SystemExit("parse failed: %s" % parsed.exception)
    manifest = parsed.result
    print("parse: %.0f ms, %d nodes" % ((time.monotonic() - t) * 1000, len(manifest.nodes)))
    # The model's upstream must exist before running it.
    dbtRunner(manifest=manifest).invoke(["build", "-s", "+" + opts.model, "--exclude", opts.model] + base)

    fingerprint = []
    for _ in range(opts.runs):
        t = time.monotonic()
        worker.fingerprint_files(project, project)
        fingerprint.append((time.monotonic() - t) * 1000)
    print("ours, staleness fingerprint before each invocation: median %.1f ms" % statistics.median(fingerprint))

    first = {}
    last = {}
    t0 = [0.0]

    def on_event(e):
        now = (time.monotonic() - t0[0]) * 1000
        first.setdefault(e.info.name, now)
        last[e.info.name] = now

    args = [opts.command, "-s", opts.model] + base
    samples = {name: [] for name, _, _ in PHASES}
    totals = []
    for _ in range(opts.runs + 1):  # the first is a warm-up
        first.clear()
        last.clear()
        t0[0] = time.monotonic()
        dbtRunner(manifest=manifest, callbacks=[on_event]).invoke(args)
        total = (time.monotonic() - t0[0]) * 1000
        totals.append(total)
        for name, start, end in PHASES:
            a = 0.0 if start is None else first.get(start)
            b = total if end is None else (last if end == "NodeFinished" else first).get(end)
            if a is not None and b is not None:
                samples[name].append(b - a)
    print("dbt %s -s %s, warm, median of %d:" % (opts.command, opts.model, opts.runs))
    print("  total: %.0f ms" % statistics.median(totals[1:]))
    for name, values in samples.items():
        if len(values) > 1:
            print("  %s: %.0f ms" % (name, statistics.median(values[1:])))

    profile = cProfile.Profile()
    profile.enable()
    dbtRunner(manifest=manifest).invoke(args)
    profile.disable()
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(opts.top)
    print(text.getvalue())


if __name__ == "__main__":
    sys.exit(main())
