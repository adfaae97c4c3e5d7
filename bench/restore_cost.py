"""CPU cost of the worker's manifest-state restoration (issue 11), measured in-process.

    python restore_cost.py WORKER_PY PROJECT_DIR MODEL RUNS

Parses the project with dbtRunner (as the worker does), runs `dbt run -s MODEL`
on the cached manifest RUNS times, and after each run times
restore_manifest_state (process CPU time, so a loaded machine does not inflate
it). Prints one JSON line: nodes, snapshot_ms, restore_ms (one per run).
"""
import importlib.util
import json
import sys
import time


def main():
    worker_py, project_dir, model, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    spec = importlib.util.spec_from_file_location("dbt_worker", worker_py)
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    import os

    os.chdir(project_dir)
    from dbt.cli.main import dbtRunner

    manifest = dbtRunner().invoke(["parse"]).result
    t0 = time.process_time()
    state = worker.snapshot_manifest_state(manifest)
    snapshot_ms = (time.process_time() - t0) * 1000
    restore_ms = []
    for _ in range(runs):
        res = dbtRunner(manifest=manifest).invoke(["run", "-s", model, "--no-write-json"])
        if res.exception is not None:
            raise SystemExit("dbt run failed: %s" % res.exception)
        t0 = time.process_time()
        worker.restore_manifest_state(manifest, state)
        restore_ms.append((time.process_time() - t0) * 1000)
        worker.release_database_locks()
    out = {"nodes": len(manifest.nodes), "snapshot_ms": snapshot_ms, "restore_ms": restore_ms}
    sys.__stdout__.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
