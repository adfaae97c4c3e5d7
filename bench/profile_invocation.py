"""Where the time of a warm invocation, a re-parse and an open goes (issues 6 and 13).

Runs what the worker runs, in one process (dbtRunner with the cached
manifest, --no-write-json on warm commands), and times dbt's own steps by
wrapping them (wall time, no profiler overhead), then cProfile's top
functions for one more sample.

    .venv/bin/python bench/profile_invocation.py run <project> <model> [--command run|compile|test]
        [--runs 5] [--top 25]
      the warm single-model invocation, split into dbt's per-invocation phases:
      set-up before the task (flags, project, profile, adapter), graph
      (link, cycle check, selection), create_schemas, the adapter's relation
      cache (set_relations_cache: one list_relations query per schema), hooks,
      the node(s), wrap-up; with the number of schemas listed; without and
      with --cache-selected-only, alternating.
    .venv/bin/python bench/profile_invocation.py reparse <project> <model> [--runs 5] [--dbt-json-writer]
      the re-parse after a one-line edit of the model's file: the worker's
      staleness fingerprint, reading the partial-parse file, file reading and
      checksums, the partial-parse diff, parsing, process_refs / docs /
      sources, writing partial_parse.msgpack, manifest.json (as a cold
      `dbt parse` does), and the worker's slim manifest. JSON artifacts are
      written as the worker writes them (speed_up_json_artifacts), or with
      dbt's own json.dump with --dbt-json-writer.
    .venv/bin/python bench/profile_invocation.py open <project> [--runs 3]
      opening a project: a new Python importing dbt (the worker's start),
      then the first parse with dbt's partial-parse file present and no file
      changed (what a new window does even with a saved manifest).

The project is used as it is (target/ and its DuckDB file are written): point
it at a copy of a generated project in .cache/bench/projects/, with
DBT_DUCKDB_PATH set to a copy of the database it should hold (the bench
caches one with every model built in .cache/bench/databases/). The copy must
be named bench.duckdb: DuckDB names the catalog after the file, and the
views in it refer to that catalog.
"""

import argparse
import cProfile
import collections
import importlib.util
import io
import os
import pstats
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# Time spent inside each wrapped function during one invocation (seconds), and call counts.
SPENT = collections.defaultdict(float)
CALLS = collections.Counter()
FIRST_ENTRY = {}
T0 = [0.0]


def load_worker_module():
    for path in (os.path.join(HERE, "..", "dist", "dbt_worker.py"), os.path.join(HERE, "..", "src", "runner", "dbt_worker.py")):
        if os.path.exists(path):
            spec = importlib.util.spec_from_file_location("dbt_worker", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    raise SystemExit("No dbt_worker.py in dist/ or src/runner/: run node scripts/build.mjs first.")


def wrap(owner, attr, label):
    """Times every call of owner.attr under label (nested calls of the same label are counted once)."""
    original = getattr(owner, attr, None)
    if original is None:
        return
    depth = [0]

    def timed(*args, **kwargs):
        FIRST_ENTRY.setdefault(label, time.perf_counter() - T0[0])
        CALLS[label] += 1
        depth[0] += 1
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            depth[0] -= 1
            if depth[0] == 0:
                SPENT[label] += time.perf_counter() - started

    timed.__wrapped__ = original
    setattr(owner, attr, timed)


def wrap_run_phases():
    from dbt.adapters.sql.impl import SQLAdapter
    from dbt.task import run as run_task
    from dbt.task import runnable

    task = runnable.GraphRunnableTask
    wrap(task, "run", "task.run (everything after set-up)")
    wrap(task, "compile_manifest", "graph: link the DAG, check for cycles (the worker's linear check)")
    wrap(task, "get_graph_queue", "graph: selection and queue")
    wrap(run_task.RunTask, "before_run", "before_run (schemas, cache, hooks)")
    wrap(task, "before_run", "before_run (schemas, cache, hooks)")
    wrap(task, "create_schemas", "  create_schemas (list schemas, create missing)")
    wrap(task, "populate_adapter_cache", "  relation cache (set_relations_cache)")
    wrap(SQLAdapter, "list_relations_without_caching", "    list_relations queries (summed over threads)")
    wrap(SQLAdapter, "list_schemas", "    list_schemas queries")
    wrap(run_task.RunTask, "safe_run_hooks", "  on-run-start/end hooks")
    wrap(task, "execute_nodes", "execute_nodes (the selected node(s))")
    wrap(run_task.RunTask, "after_run", "after_run")
    wrap(task, "after_run", "after_run")


def wrap_parse_phases(worker):
    from dbt.parser import manifest as pm
    from dbt.parser import read_files

    loader = pm.ManifestLoader
    wrap(loader, "get_full_manifest", "parse: get_full_manifest (all of dbt's parse)")
    wrap(loader, "read_manifest_for_partial_parse", "  read partial_parse.msgpack")
    wrap(loader, "build_manifest_state_check", "  state check (hashes of vars, profile, project files)")
    wrap(read_files.ReadFilesFromFileSystem, "read_files", "  read files and checksums")
    wrap(loader, "safe_update_project_parser_files_partially", "  partial-parse diff")
    wrap(loader, "load_and_parse_macros", "  parse macros")
    wrap(loader, "parse_project", "  parse changed files")
    wrap(loader, "process_refs", "  process_refs")
    wrap(loader, "process_docs", "  process_docs")
    wrap(loader, "process_sources", "  process_sources")
    wrap(loader, "process_unit_tests", "  process_unit_tests")
    wrap(loader, "check_for_model_deprecations", "  check_for_model_deprecations")
    wrap(loader, "cleanup_disabled", "  cleanup_disabled")
    wrap(loader, "write_manifest_for_partial_parse", "  write partial_parse.msgpack")
    wrap(pm, "write_manifest", "parse: write target/manifest.json")
    wrap(worker, "fingerprint_files", "worker: staleness fingerprint (stat of project files)")


def report(title, samples, total_label="total"):
    print(title)
    totals = samples.pop(total_label)
    print("  %-62s %8.0f ms" % (total_label, statistics.median(totals)))
    for label, values in samples.items():
        if label.strip().startswith("number of"):
            print("  %-62s %8d" % (label, statistics.median(values)))
        else:
            print("  %-62s %8.1f ms" % (label, statistics.median(values)))
    print()


def collect(samples, total):
    samples["total"].append(total * 1000)
    for label, spent in SPENT.items():
        samples[label].append(spent * 1000)
    for label, n in CALLS.items():
        if "queries" in label:
            samples["    number of " + label.strip().split(" (")[0]].append(n)


def reset():
    SPENT.clear()
    CALLS.clear()
    FIRST_ENTRY.clear()
    T0[0] = time.perf_counter()


def dbt_base(project):
    return ["--project-dir", project, "--profiles-dir", os.environ.get("DBT_PROFILES_DIR", project), "--quiet"]


def parsed_manifest(project):
    from dbt.cli.main import dbtRunner

    t = time.monotonic()
    res = dbtRunner().invoke(["parse"] + dbt_base(project))
    if not res.success:
        raise SystemExit("parse failed: %s" % res.exception)
    print("parse: %.0f ms, %d nodes" % ((time.monotonic() - t) * 1000, len(res.result.nodes)))
    return res.result


def cmd_run(opts):
    """dbt's relation cache and graph summary against the worker's, alternating run by run on one parsed manifest."""
    from dbt.cli.main import dbtRunner

    # As the worker does: a linear cycle check instead of networkx's when there is no cycle.
    worker = load_worker_module()
    worker.speed_up_cycle_check()
    worker.speed_up_relation_cache()
    from dbt.compilation import Linker
    summaries = {False: Linker.get_graph_summary}
    worker.speed_up_graph_summary()
    summaries[True] = Linker.get_graph_summary
    project = os.path.abspath(opts.project)
    manifest = parsed_manifest(project)
    wrap_run_phases()
    base = [opts.command, "-s", opts.model, "--no-write-json"] + dbt_base(project)
    selected = base + ["--cache-selected-only"]
    # (name, args, whether dbt builds its per-relation cache events, whether the worker's graph summary runs)
    variants = [(", dbt's relation cache and graph summary", base, True, False),
                (", the worker's relation cache (no per-relation events)", base, False, False),
                (", --cache-selected-only", selected, True, False),
                (", as the worker runs it (--cache-selected-only, its cache and graph summary)", selected, False, True)]
    samples = {name: collections.defaultdict(list) for name, _, _, _ in variants}
    for i in range(opts.runs + 1):  # the first round is a warm-up
        for name, args, cache_events, fast_summary in variants:
            worker.CACHE_EVENTS["wanted"] = cache_events
            Linker.get_graph_summary = summaries[fast_summary]
            reset()
            res = dbtRunner(manifest=manifest).invoke(args)
            worker.release_database_locks()  # as the worker does after every invocation
            total = time.perf_counter() - T0[0]
            if not res.success:
                raise SystemExit("dbt %s failed: %s" % (" ".join(args), res.exception))
            if i > 0:
                collect(samples[name], total)
                samples[name]["set-up before the task (flags, project, profile, adapter)"].append(
                    FIRST_ENTRY.get("task.run (everything after set-up)", 0) * 1000)
    for name, _, _, _ in variants:
        report("dbt %s -s %s, warm, median of %d%s:" % (opts.command, opts.model, opts.runs, name), samples[name])
    worker.CACHE_EVENTS["wanted"] = False  # the profile is of what the worker runs
    Linker.get_graph_summary = summaries[True]
    profile = cProfile.Profile()
    profile.enable()
    dbtRunner(manifest=manifest).invoke(selected)
    profile.disable()
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(opts.top)
    print(text.getvalue())


def model_file(manifest, model):
    for node in manifest.nodes.values():
        if node.resource_type == "model" and node.name == model:
            return node.original_file_path
    raise SystemExit("no model %s in the manifest" % model)


def cmd_reparse(opts):
    from dbt.cli.main import dbtRunner

    worker = load_worker_module()
    project = os.path.abspath(opts.project)
    path = os.path.join(project, model_file(parsed_manifest(project), opts.model))
    with open(path) as f:
        original = f.read()
    wrap_parse_phases(worker)
    if not opts.dbt_json_writer:
        worker.speed_up_json_artifacts()
    # The worker parses with dbt's defaults (manifest.json written); a cold `dbt parse` does the same.
    samples = collections.defaultdict(list)
    try:
        for i in range(opts.runs + 1):
            with open(path, "a") as f:
                f.write("\n-- profile edit %d\n" % i)
            reset()
            worker.fingerprint_files(project, os.environ.get("DBT_PROFILES_DIR", project))
            res = dbtRunner().invoke(["parse"] + dbt_base(project))
            if not res.success:
                raise SystemExit("parse failed: %s" % res.exception)
            t = time.perf_counter()
            slim = worker.slim_manifest(res.result)
            SPENT["worker: slim manifest (build)"] += time.perf_counter() - t
            t = time.perf_counter()
            worker.write_atomically(os.path.join(project, "target", "profile-slim.json"), slim)
            SPENT["worker: slim manifest (write)"] += time.perf_counter() - t
            total = time.perf_counter() - T0[0]
            if i > 0:
                collect(samples, total)
    finally:
        with open(path, "w") as f:
            f.write(original)
        dbtRunner().invoke(["parse"] + dbt_base(project))
    report("re-parse after a one-line edit of %s, median of %d:" % (opts.model, opts.runs), samples)


def cmd_open(opts):
    worker = load_worker_module()
    project = os.path.abspath(opts.project)
    starts = []
    for _ in range(opts.runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from dbt.cli.main import dbtRunner"], check=True)
        starts.append((time.perf_counter() - t) * 1000)
    print("a new Python importing dbt.cli.main (the worker's start): median %.0f ms\n" % statistics.median(starts))
    from dbt.cli.main import dbtRunner

    dbtRunner().invoke(["parse"] + dbt_base(project))  # leaves partial_parse.msgpack matching the files
    wrap_parse_phases(worker)
    samples = collections.defaultdict(list)
    for _ in range(opts.runs):
        reset()
        res = dbtRunner().invoke(["parse"] + dbt_base(project))
        t = time.perf_counter()
        worker.write_atomically(os.path.join(project, "target", "profile-slim.json"), worker.slim_manifest(res.result))
        SPENT["worker: slim manifest (build and write)"] += time.perf_counter() - t
        collect(samples, time.perf_counter() - T0[0])
    report("first parse of a new worker, nothing changed since the last parse, median of %d:" % opts.runs, samples)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    r = sub.add_parser("run")
    r.add_argument("project")
    r.add_argument("model")
    r.add_argument("--command", default="run", choices=["run", "compile", "test", "build"])
    r.add_argument("--runs", type=int, default=5)
    r.add_argument("--top", type=int, default=25)
    p = sub.add_parser("reparse")
    p.add_argument("project")
    p.add_argument("model")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--dbt-json-writer", action="store_true")
    o = sub.add_parser("open")
    o.add_argument("project")
    o.add_argument("--runs", type=int, default=3)
    opts = ap.parse_args()
    os.environ["DO_NOT_TRACK"] = "1"
    os.environ.setdefault("DBT_DUCKDB_PATH", os.path.join(os.path.abspath(opts.project), "profile.duckdb"))
    {"run": cmd_run, "reparse": cmd_reparse, "open": cmd_open}[opts.what](opts)


if __name__ == "__main__":
    sys.exit(main())
