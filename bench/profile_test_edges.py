"""Where a whole-project `dbt build` waits before its first node: dbt's test edges.

For `build` only, dbt's Compiler.compile links the graph and then adds test
edges (compilation.py, Linker.add_test_edges): its default method
(add_test_edges_1) or, with --use-fast-test-edges, add_test_edges_2. This
parses the project once (dbtRunner), then times each step on the parsed
manifest, alternating the two methods, and counts the graph's edges after
each (wall time, no profiler).

    .venv/bin/python bench/profile_test_edges.py <project> [--runs 3]

The project's profiles.yml is read from the project folder unless
DBT_PROFILES_DIR says otherwise (the bench projects in .cache/bench/projects
have theirs, and their DuckDB path in DBT_DUCKDB_PATH).
"""

import argparse
import os
import statistics
import time

from dbt.cli.main import dbtRunner
from dbt.compilation import Linker


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("project")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    project = os.path.abspath(a.project)
    os.chdir(project)
    os.environ.setdefault("DBT_PROFILES_DIR", project)
    t = time.perf_counter()
    res = dbtRunner().invoke(["parse", "--quiet"])
    if not res.success:
        raise SystemExit(f"dbt parse failed: {res.exception}")
    manifest = res.result
    print(f"parse {time.perf_counter() - t:.1f} s; {len(manifest.nodes)} nodes", flush=True)
    manifest.build_parent_and_child_maps()
    times = {"link": [], "default": [], "fast": []}
    for i in range(a.runs):
        for method in ("default", "fast"):
            linker = Linker()
            t = time.perf_counter()
            linker.link_graph(manifest)
            times["link"].append(time.perf_counter() - t)
            linked = linker.graph.number_of_edges()
            t = time.perf_counter()
            if method == "fast":
                linker.add_test_edges_2(manifest)
            else:
                linker.add_test_edges_1(manifest)
            times[method].append(time.perf_counter() - t)
            print(f"#{i + 1} {method}: link {times['link'][-1]:.2f} s ({linked} edges), "
                  f"test edges {times[method][-1]:.2f} s ({linker.graph.number_of_edges()} edges after)", flush=True)
    for k, v in times.items():
        print(f"median {k}: {statistics.median(v):.2f} s (min {min(v):.2f}, max {max(v):.2f}, n={len(v)})")


if __name__ == "__main__":
    main()
