#!/usr/bin/env python3
"""dbt Conductor worker: one long-lived Python process per dbt project.

Speaks JSON lines (src/dbt/protocol.ts is the contract): requests on stdin,
messages on a private copy of the original stdout. dbt itself prints to
stderr. Uses only dbt-core's public entry point `dbtRunner`; every other dbt
import is guarded so that a new minor version degrades instead of breaking.

    python dbt_worker.py --project-dir P --manifest-out FILE

Supported: dbt-core >= 1.5 and < 2. Python 3.8+ syntax only.
"""
import argparse
import contextlib
import datetime
import decimal
import gc
import json
import os
import queue
import signal
import sys
import tempfile
import threading
import time
import traceback

EXIT_FATAL = 3

# Events dropped unless an invoke asks for verboseEvents: high volume, no
# value for the UI (SQL text, connection and cache bookkeeping, tracking).
NOISE_EVENTS = frozenset(
    [
        "SQLQuery",
        "SQLQueryStatus",
        "SQLCommit",
        "ConnectionUsed",
        "NewConnection",
        "NewConnectionOpening",
        "ConnectionReused",
        "ConnectionClosed",
        "ConnectionClosedInCleanup",
        "ConnectionLeftOpen",
        "ConnectionLeftOpenInCleanup",
        "Rollback",
        "RollbackFailed",
        "CacheAction",
        "CacheMiss",
        "CacheDumpGraph",
        "AddRelation",
        "ListRelations",
        "AdapterEventDebug",
        "Formatting",
        "SendingEvent",
        "SendEventFailure",
        "FlushEvents",
        "FlushEventsFailure",
        "TrackingInitializeFailure",
        "ResourceReport",
        "TimingInfoCollected",
        "WritingInjectedSQLForNode",
    ]
)

# Commands that must not be handed the cached manifest.
NO_MANIFEST_COMMANDS = frozenset(["deps", "clean", "retry", "parse", "debug", "init"])
# Commands whose run_results.json the worker writes itself (see Worker.run_warm).
RESULT_COMMANDS = frozenset(["run", "build", "test", "seed", "snapshot", "compile"])
# Commands whose relation cache --cache-selected-only limits to the selected nodes' schemas (dbt's RunTask).
CACHE_SCOPED_COMMANDS = frozenset(["run", "build", "seed", "snapshot"])
# Commands after which the cached manifest is stale.
INVALIDATING_COMMANDS = frozenset(["deps", "clean"])
KNOWN_COMMANDS = frozenset(
    [
        "build", "clean", "clone", "compile", "debug", "deps", "docs", "init", "list", "ls",
        "parse", "retry", "run", "run-operation", "seed", "show", "snapshot", "source", "test",
    ]
)
# Arguments that change what a parse produces, or whether it fails (--warn-error
# turns a parse-time warning into an error, as a cold `dbt` parsing the same
# files with the same flags would): part of the staleness key and passed on to
# the re-parse. PARSE_ARGS take a value; PARSE_FLAGS do not.
PARSE_ARGS = {
    "--target": "--target", "-t": "--target", "--profile": "--profile", "--vars": "--vars",
    "--profiles-dir": "--profiles-dir", "--project-dir": "--project-dir",
    "--warn-error-options": "--warn-error-options", "--maximum-seed-size-mib": "--maximum-seed-size-mib",
}
PARSE_FLAGS = frozenset(["--warn-error"])
PARSE_ENV = tuple(prefix + name for name in ("TARGET", "PROFILE", "PROFILES_DIR", "PROJECT_DIR", "WARN_ERROR",
                                             "WARN_ERROR_OPTIONS", "MAXIMUM_SEED_SIZE_MIB")
                  for prefix in ("DBT_", "DBT_ENGINE_"))
# Files dbt reads while parsing; other files (databases, logs) do not make a manifest stale.
PARSED_SUFFIXES = (".sql", ".py", ".yml", ".yaml", ".csv", ".md", ".jinja", ".jinja2", ".j2", ".env", ".json")
SKIP_DIRS = frozenset(["target", "logs", "node_modules", "__pycache__", "site-packages"])


# ---------------------------------------------------------------- channel


class Channel:
    """Owns the protocol fd. Everything goes through one writer thread, so lines never interleave."""

    def __init__(self, fd):
        self.fd = fd
        self.q = queue.Queue()
        self.broken = False
        self.thread = threading.Thread(target=self._run, name="conductor-writer", daemon=True)
        self.thread.start()

    def send(self, message):
        self.q.put(("msg", message))

    def send_event(self, inv_id, msg):
        # Conversion to dict happens on the writer thread to keep callbacks cheap.
        self.q.put(("event", inv_id, msg))

    def close(self, timeout=5.0):
        self.q.put(None)
        self.thread.join(timeout)

    def _run(self):
        while True:
            item = self.q.get()
            if item is None:
                return
            try:
                if item[0] == "event":
                    message = {"type": "event", "id": item[1], "event": event_to_dict(item[2])}
                else:
                    message = item[1]
                line = scrub(json.dumps(message, default=json_default, ensure_ascii=False))
                self._write((line + "\n").encode("utf-8", "replace"))
            except Exception:  # a bad event must not stop the channel
                sys.stderr.write("conductor-writer: " + traceback.format_exc())

    def _write(self, data):
        if self.broken:
            return
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.fd, view)
            except OSError:
                self.broken = True  # the runner is gone; stdin EOF ends us
                return
            view = view[n:]


def json_default(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value) if value == value.to_integral_value() or abs(value) < 1e15 else str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        try:
            return to_dict()
        except Exception:
            pass
    return str(value)


# ---------------------------------------------------------------- guarded dbt helpers

_msg_to_dict = None
_env_scrubber = None


def load_event_helpers():
    global _msg_to_dict, _env_scrubber
    for module in ("dbt_common.events.functions", "dbt.events.functions"):
        try:
            mod = __import__(module, fromlist=["msg_to_dict"])
            _msg_to_dict = getattr(mod, "msg_to_dict", None)
            _env_scrubber = getattr(mod, "env_scrubber", None)
            if _msg_to_dict is not None:
                return
        except Exception:
            continue


def event_to_dict(msg):
    if _msg_to_dict is not None:
        return _msg_to_dict(msg)
    from google.protobuf.json_format import MessageToDict  # dbt's own conversion, minus its helper

    return MessageToDict(msg, preserving_proto_field_name=True)


def secret_values():
    return [v for k, v in os.environ.items() if k.startswith("DBT_ENV_SECRET") and v.strip()]


def scrub(text):
    """Hide DBT_ENV_SECRET_* values, raw and in their JSON-escaped form."""
    secrets = secret_values()
    if not secrets:
        return text
    if _env_scrubber is not None:
        text = _env_scrubber(text)
    for s in secrets:
        for form in (s, json.dumps(s, ensure_ascii=False)[1:-1]):
            if form and form in text:
                text = text.replace(form, "*****")
    return text


# ---------------------------------------------------------------- arguments


def command_of(args):
    """The dbt subcommand in args ("source freshness", "docs generate", "run"), '' if none."""
    for i, a in enumerate(args):
        if a in KNOWN_COMMANDS:
            if a in ("source", "docs") and i + 1 < len(args) and not args[i + 1].startswith("-"):
                return a + " " + args[i + 1]
            return a
    return ""


def user_chose_cache_scope(project_dir, args):
    """Whether the user said how much of the relation cache dbt fills: a flag, the
    environment variable, or the project's flags (dbt_project.yml; profiles.yml's
    config before dbt 1.8). The text check errs towards "chose": then dbt's default stays."""
    if any(a in ("--cache-selected-only", "--no-cache-selected-only") for a in args):
        return True
    if "DBT_CACHE_SELECTED_ONLY" in os.environ:
        return True
    for path in (os.path.join(project_dir, "dbt_project.yml"),
                 os.path.join(profiles_dir_of(parse_args_of(args), project_dir), "profiles.yml")):
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                if "cache_selected_only" in f.read():
                    return True
        except OSError:
            pass
    return False


def parse_args_of(args):
    """The parse-relevant options in args, normalised to [(--option, value)] and [(--flag,)]."""
    found = []
    i = 0
    while i < len(args):
        a = args[i]
        name, value = a, None
        if a.startswith("--") and "=" in a:
            name, value = a.split("=", 1)
        if a in PARSE_FLAGS:
            found.append((a,))
        elif name in PARSE_ARGS:
            if value is None and i + 1 < len(args):
                value = args[i + 1]
                i += 1
            if value is not None:
                found.append((PARSE_ARGS[name], value))
        i += 1
    return found


# ---------------------------------------------------------------- staleness


def fingerprint_files(project_dir, profiles_dir):
    """(path, mtime_ns, size) of every file dbt may read while parsing. Cheap: stat only.

    Follows symlinked folders: `dbt deps` installs a `local:` package as a symlink
    under dbt_packages/, and dbt parses through it. A link to a folder already
    walked, or to one of the folders above it, is not followed again (no loops).
    """
    out = []
    # dbt's anonymous-usage id, written into the profiles folder when tracking is on: not parsed.
    user_id_file = os.path.realpath(os.path.join(profiles_dir, ".user.yml")) if profiles_dir else None
    root_real = os.path.realpath(project_dir)
    seen = {root_real}
    stack = [(project_dir, root_real)]
    while stack:
        d, real = stack.pop()
        try:
            entries = list(os.scandir(d))
        except OSError:
            continue
        for e in entries:
            try:
                if e.is_dir():
                    if e.name.startswith(".") or e.name in SKIP_DIRS:
                        continue
                    if os.path.exists(os.path.join(e.path, "pyvenv.cfg")):
                        continue
                    child_real = os.path.join(real, e.name)
                    if e.is_symlink():
                        child_real = os.path.realpath(e.path)
                        if child_real in seen or (real + os.sep).startswith(child_real + os.sep):
                            continue
                        seen.add(child_real)
                    stack.append((e.path, child_real))
                elif e.name.endswith(PARSED_SUFFIXES) or e.name == ".env":
                    if e.name == ".user.yml" and os.path.realpath(e.path) == user_id_file:
                        continue
                    st = e.stat()
                    out.append((e.path, st.st_mtime_ns, st.st_size))
            except OSError:
                continue
    if profiles_dir:
        p = os.path.join(profiles_dir, "profiles.yml")
        try:
            st = os.stat(p)
            out.append((p, st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((p, -1, -1))
    out.sort()
    return out


def target_dir(project_dir, args):
    """Where dbt writes artifacts: --target-path, DBT_TARGET_PATH, dbt_project.yml's target-path, or target/."""
    path = None
    for i, a in enumerate(args):
        if a == "--target-path" and i + 1 < len(args):
            path = args[i + 1]
        elif a.startswith("--target-path="):
            path = a.split("=", 1)[1]
    path = path or os.environ.get("DBT_TARGET_PATH") or os.environ.get("DBT_ENGINE_TARGET_PATH")
    if not path:
        try:
            import yaml  # a dependency of dbt-core

            with open(os.path.join(project_dir, "dbt_project.yml"), encoding="utf-8") as f:
                path = (yaml.safe_load(f) or {}).get("target-path")
        except Exception:
            path = None
    return os.path.join(project_dir, str(path or "target"))


def profiles_dir_of(parse_args, project_dir):
    for option in parse_args:
        if option[0] == "--profiles-dir":
            return os.path.abspath(option[1])
    env = os.environ.get("DBT_PROFILES_DIR") or os.environ.get("DBT_ENGINE_PROFILES_DIR")
    if env:
        return os.path.abspath(env)
    if os.path.exists(os.path.join(project_dir, "profiles.yml")):
        return project_dir
    return os.path.join(os.path.expanduser("~"), ".dbt")


def parse_key(parse_args):
    return (tuple(parse_args), tuple((k, os.environ.get(k)) for k in PARSE_ENV))


# What dbt records in manifest.env_vars for a variable that was unset, so env_var() used its default.
DEFAULT_ENV_PLACEHOLDER = "DBT_DEFAULT_PLACEHOLDER"


def env_vars_changed(manifest):
    used = getattr(manifest, "env_vars", None) or {}
    for name, value in used.items():
        if value == DEFAULT_ENV_PLACEHOLDER:
            if name in os.environ:
                return True
        elif os.environ.get(name) != value:
            return True
    return False


# ---------------------------------------------------------------- warm equals cold
#
# dbt mutates the manifest it is handed: compiling a node sets compiled_code,
# compiled, extra_ctes(_injected), _pre_injected_sql, compiled_path,
# build_path, relation_name (tests), depends_on (macros found at run time) and
# the `to` of foreign-key constraints; --defer replaces nodes (defer_relation)
# and rebuilds flat_graph; a failed `show/compile --inline` leaves its
# inline_query node behind. A cold process never carries any of that into the
# next command, so the worker records the state right after a parse and puts
# it back after every invocation (restore_manifest_state). Cost: a shallow
# copy of each node's attributes; restoring took 14-17 ms of CPU for 1,625 nodes on a
# loaded machine (npm run bench, part restore).

# Manifest collections whose membership an invocation may change (inline nodes, --defer).
STATE_COLLECTIONS = ("nodes", "sources", "unit_tests", "functions", "exposures")


def _mutable_parts(node):
    """The containers of a node that dbt changes in place, with copies of their contents."""
    parts = []
    for name in ("extra_ctes", "_event_status"):
        value = node.__dict__.get(name)
        if isinstance(value, (list, dict)):
            parts.append((value, copy_container(value)))
    dep = node.__dict__.get("depends_on")
    for name in ("nodes", "macros"):
        value = getattr(dep, name, None)
        if isinstance(value, list):
            parts.append((value, list(value)))
    for constraint in _constraints(node):
        parts.append((constraint, constraint.to))
    return parts


def _constraints(node):
    found = [c for c in node.__dict__.get("constraints") or () if getattr(c, "to", None)]
    for column in (node.__dict__.get("columns") or {}).values():
        found.extend(c for c in getattr(column, "constraints", None) or () if getattr(c, "to", None))
    return found


def copy_container(value):
    return list(value) if isinstance(value, list) else dict(value)


def _put_back(container, saved):
    if isinstance(container, list):
        container[:] = saved
    elif isinstance(container, dict):
        container.clear()
        container.update(saved)
    else:  # a constraint: saved is its `to`
        container.to = saved


def snapshot_manifest_state(manifest):
    """What restore_manifest_state puts back: collection members, node attributes, flat_graph."""
    with gc_paused():
        collections = {}
        for name in STATE_COLLECTIONS:
            coll = getattr(manifest, name, None)
            if isinstance(coll, dict):
                collections[name] = dict(coll)
        nodes = []
        for node in manifest.nodes.values():
            if hasattr(node, "__dict__"):
                nodes.append((node, dict(node.__dict__), _mutable_parts(node)))
        return {"collections": collections, "nodes": nodes, "flat_graph": getattr(manifest, "flat_graph", None)}


def restore_manifest_state(manifest, state):
    with gc_paused():
        for name, saved in state["collections"].items():
            coll = getattr(manifest, name)
            coll.clear()
            coll.update(saved)
        for node, attrs, parts in state["nodes"]:
            d = node.__dict__
            if d.keys() != attrs.keys():
                d.clear()
            d.update(attrs)
            for container, saved in parts:
                _put_back(container, saved)
        if state["flat_graph"] is not None:
            manifest.flat_graph = state["flat_graph"]


def manifest_digest(manifest):
    """{section:key -> sha1} of everything a later invocation can see: the manifest.json structure,
    nodes' private compile fields, flat_graph. For tests that prove an invocation left it as it was."""
    import hashlib

    def sha(value):
        return hashlib.sha1(json.dumps(value, sort_keys=True, default=str).encode("utf-8")).hexdigest()

    out = {}
    data = manifest.writable_manifest().to_dict()
    for meta_key in ("invocation_id", "invocation_started_at", "generated_at"):
        data.get("metadata", {}).pop(meta_key, None)
    for section, value in data.items():
        if isinstance(value, dict) and section != "metadata":
            for key, item in value.items():
                out[section + ":" + key] = sha(item)
        else:
            out[section] = sha(value)
    for uid, node in manifest.nodes.items():
        private = {k: repr(v) for k, v in vars(node).items() if k.startswith("_") and k != "_lock"}
        out["private:" + uid] = sha(private)
    out["flat_graph"] = sha(getattr(manifest, "flat_graph", None))
    return out


class ProcessState:
    """Process-wide state a cold `dbt` starts without: variables loaded from .env by an
    earlier invocation (dbt 1.12 loads .env without overriding, so an edit would never
    be seen) and deprecations already shown (dbt shows each once per process)."""

    def __init__(self, environ):
        self.environ = dict(environ)  # taken before dbt is imported: dbt 1.12 loads .env on import
        self.deprecations_after_parse = None

    def fresh_environment(self):
        """os.environ as the worker started, plus .env loaded the way dbt's own entry point does."""
        if dict(os.environ) != self.environ:
            os.environ.clear()
            os.environ.update(self.environ)
        main_module = sys.modules.get("dbt.cli.main")
        load, find = getattr(main_module, "load_dotenv", None), getattr(main_module, "find_dotenv", None)
        if load is not None and find is not None:
            try:
                load(find(usecwd=True), override=False)
            except Exception:
                sys.stderr.write("conductor: could not load .env: " + traceback.format_exc())

    def before_invocation(self, parsing):
        """Deprecations as a cold process has them: none before its parse, the parse's own after it."""
        active = _active_deprecations()
        if active is None:
            return
        saved = None if parsing else self.deprecations_after_parse
        active.clear()
        if saved:
            active.update(saved)

    def after_parse(self):
        active = _active_deprecations()
        self.deprecations_after_parse = copy_container(active) if isinstance(active, dict) else (
            set(active) if active is not None else None)


def _active_deprecations():
    module = sys.modules.get("dbt.deprecations")
    active = getattr(module, "active_deprecations", None)
    return active if isinstance(active, (set, dict)) else None


class TaskRecorder:
    """Remembers the task dbt is running, so a cancelled invocation can still report the nodes
    that finished and write the partial run_results.json that the CLI writes on Ctrl-C."""

    task = None

    @classmethod
    def install(cls):
        try:
            from dbt.task.runnable import GraphRunnableTask
        except Exception:
            return
        original = GraphRunnableTask.execute_nodes
        if getattr(original, "conductor_recorder", False):
            return

        def execute_nodes(self, *args, **kwargs):
            cls.task = self
            return original(self, *args, **kwargs)

        execute_nodes.conductor_recorder = True
        GraphRunnableTask.execute_nodes = execute_nodes

    @classmethod
    def partial_result(cls):
        """The finished nodes' results of the interrupted task, shaped as dbt's own result; None if none ran."""
        task = cls.task
        if task is None:
            return None
        try:
            return task.get_result(
                results=list(task.node_results),
                elapsed_time=time.time() - task.started_at,
                generated_at=datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None),
            )
        except Exception:
            sys.stderr.write("conductor: could not collect the finished nodes: " + traceback.format_exc())
            return None


# ---------------------------------------------------------------- slim manifest


def plain(v):
    """Enums and str subclasses -> str; containers copied; everything else as is (json_default handles the rest)."""
    if v is None or isinstance(v, (bool, int, float)):
        return v
    if isinstance(v, str):
        return str(v.value) if hasattr(v, "value") else str(v)
    if isinstance(v, dict):
        return {str(plain(k)): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set, frozenset)):
        return [plain(x) for x in v]
    if hasattr(v, "value") and not callable(v.value):
        return plain(v.value)
    to_dict = getattr(v, "to_dict", None)
    if callable(to_dict):
        try:
            return to_dict()
        except Exception:
            pass
    return str(v)


def _columns(obj):
    cols = getattr(obj, "columns", None) or {}
    return {
        name: {
            "name": getattr(c, "name", name),
            "description": getattr(c, "description", ""),
            "data_type": getattr(c, "data_type", None),
        }
        for name, c in cols.items()
    }


def _depends_on(obj):
    dep = getattr(obj, "depends_on", None)
    if dep is None:
        return {"nodes": [], "macros": []}
    return {"nodes": list(getattr(dep, "nodes", []) or []), "macros": list(getattr(dep, "macros", []) or [])}


def attr(obj, name, default=None):
    """getattr that also survives properties which raise (SeedNode.refs raises by design)."""
    try:
        return getattr(obj, name, default)
    except Exception:
        return default


def _refs(node):
    out = []
    for r in attr(node, "refs") or []:
        if isinstance(r, (list, tuple)):  # dbt < 1.5 style [package?, name]
            out.append({"name": r[-1], "package": r[0] if len(r) > 1 else None, "version": None})
        else:
            out.append({"name": getattr(r, "name", None), "package": getattr(r, "package", None),
                        "version": plain(getattr(r, "version", None))})
    return out


def slim_node(n):
    config = getattr(n, "config", None)
    cfg = {}
    if config is not None:
        for k in ("materialized", "enabled", "tags", "severity", "access"):
            cfg[k] = plain(getattr(config, k, None))
    tm = getattr(n, "test_metadata", None)
    return {
        "unique_id": n.unique_id,
        "resource_type": plain(n.resource_type),
        "name": n.name,
        "package_name": n.package_name,
        "path": getattr(n, "path", None),
        "original_file_path": n.original_file_path,
        "patch_path": getattr(n, "patch_path", None),
        "description": getattr(n, "description", ""),
        "config": cfg,
        "tags": list(getattr(n, "tags", []) or []),
        "depends_on": _depends_on(n),
        "refs": _refs(n),
        "sources": [list(s) for s in (attr(n, "sources") or [])],
        "columns": _columns(n),
        "version": plain(getattr(n, "version", None)),
        "latest_version": plain(getattr(n, "latest_version", None)),
        "access": plain(getattr(n, "access", None)),
        "relation_name": getattr(n, "relation_name", None),
        "database": getattr(n, "database", None),
        "schema": getattr(n, "schema", None),
        "alias": getattr(n, "alias", None),
        "test_metadata": {"name": tm.name, "kwargs": plain(tm.kwargs)} if tm is not None else None,
        "attached_node": getattr(n, "attached_node", None),
        "column_name": getattr(n, "column_name", None),
    }


def slim_source(s):
    return {
        "unique_id": s.unique_id,
        "resource_type": plain(s.resource_type),
        "name": s.name,
        "source_name": s.source_name,
        "package_name": s.package_name,
        "description": getattr(s, "description", ""),
        "loader": getattr(s, "loader", ""),
        "identifier": getattr(s, "identifier", None),
        "relation_name": getattr(s, "relation_name", None),
        "columns": _columns(s),
        "original_file_path": s.original_file_path,
        "loaded_at_field": getattr(s, "loaded_at_field", None),
        "freshness": plain(getattr(s, "freshness", None)),
    }


def slim_macro(m):
    args = []
    for a in getattr(m, "arguments", None) or []:
        args.append({"name": getattr(a, "name", None), "type": getattr(a, "type", None),
                     "description": getattr(a, "description", "")})
    return {
        "unique_id": m.unique_id,
        "resource_type": "macro",
        "name": m.name,
        "package_name": m.package_name,
        "original_file_path": m.original_file_path,
        "description": getattr(m, "description", ""),
        "arguments": args,
    }


def slim_doc(d):
    return {
        "unique_id": d.unique_id,
        "resource_type": "doc",
        "name": d.name,
        "package_name": d.package_name,
        "original_file_path": d.original_file_path,
        "block_contents": getattr(d, "block_contents", ""),
    }


def slim_other(o):
    model = getattr(o, "model", None)
    return {
        "unique_id": o.unique_id,
        "resource_type": plain(getattr(o, "resource_type", None)),
        "name": o.name,
        "package_name": getattr(o, "package_name", None),
        "original_file_path": getattr(o, "original_file_path", None),
        "depends_on": _depends_on(o),
        "description": getattr(o, "description", ""),
        "model": model if isinstance(model, str) or model is None else plain(model),
    }


def parent_child_maps(manifest):
    try:
        manifest.build_parent_and_child_maps()
        return dict(manifest.parent_map), dict(manifest.child_map)
    except Exception:
        parents = {}
        for coll in (manifest.nodes, getattr(manifest, "exposures", {}), getattr(manifest, "unit_tests", {}) or {}):
            for uid, n in coll.items():
                parents[uid] = _depends_on(n)["nodes"]
        for uid in manifest.sources:
            parents.setdefault(uid, [])
        children = {uid: [] for uid in parents}
        for uid, ps in parents.items():
            for p in ps:
                children.setdefault(p, []).append(uid)
        return parents, children


def slim_manifest(manifest):
    def each(name, fn):
        return {uid: fn(x) for uid, x in (getattr(manifest, name, None) or {}).items()}

    try:
        metadata = manifest.metadata.to_dict(omit_none=True)
    except Exception:
        metadata = {}
    metadata["dbt_conductor_slim"] = True
    disabled = {}
    for uid, items in (getattr(manifest, "disabled", None) or {}).items():
        disabled[uid] = [slim_node(x) if hasattr(x, "original_file_path") else plain(x) for x in items]
    parent_map, child_map = parent_child_maps(manifest)
    return {
        "metadata": metadata,
        "nodes": each("nodes", slim_node),
        "sources": each("sources", slim_source),
        "macros": each("macros", slim_macro),
        "docs": each("docs", slim_doc),
        "exposures": each("exposures", slim_other),
        "semantic_models": each("semantic_models", slim_other),
        "unit_tests": each("unit_tests", slim_other),
        "disabled": disabled,
        "selectors": plain(getattr(manifest, "selectors", None) or {}),
        "parent_map": parent_map,
        "child_map": child_map,
    }


@contextlib.contextmanager
def gc_paused():
    """The manifest is a huge object graph: a full GC pass in the middle of a walk over it
    costs more than the walk (measured: 2.9 s -> 1.3 s for the 3,000-model projection)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def write_atomically(path, data):
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    # json.dumps uses the C encoder; json.dump to a file would use the pure-Python one (2-3x slower).
    text = json.dumps(data, default=json_default, ensure_ascii=False, separators=(",", ":"))
    fd, tmp = tempfile.mkstemp(prefix=".manifest-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; it is an artifact like target/manifest.json
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# ---------------------------------------------------------------- results


def iso(dt):
    if dt is None:
        return None
    if isinstance(dt, datetime.datetime):
        s = dt.isoformat()
        return s if dt.tzinfo is not None else s + "Z"
    return str(dt)


def status_str(s):
    return str(getattr(s, "value", s)) if s is not None else ""


def node_result(r, with_code):
    node = getattr(r, "node", None)
    uid = getattr(node, "unique_id", None) or getattr(r, "unique_id", "") or ""
    timing = []
    for t in getattr(r, "timing", None) or []:
        timing.append({"name": getattr(t, "name", ""), "startedAt": iso(getattr(t, "started_at", None)),
                       "completedAt": iso(getattr(t, "completed_at", None))})
    message = getattr(r, "message", None)
    if message is None and getattr(r, "error", None) is not None:
        message = str(r.error)
    out = {
        "uniqueId": uid,
        "resourceType": plain(getattr(node, "resource_type", None)) or (uid.split(".")[0] if uid else ""),
        "name": getattr(node, "name", None) or (uid.split(".")[-1] if uid else ""),
        "status": status_str(getattr(r, "status", None)),
        "message": None if message is None else str(message),
        "executionTime": float(getattr(r, "execution_time", 0) or 0),
        "failures": getattr(r, "failures", None),
        "timing": timing,
        "adapterResponse": plain(getattr(r, "adapter_response", None) or {}),
    }
    if node is not None:
        out["originalFilePath"] = getattr(node, "original_file_path", None)
        out["relationName"] = getattr(node, "relation_name", None)
        if with_code:
            out["compiledCode"] = getattr(node, "compiled_code", None)
    return out


def cell(v):
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v if v == v and v not in (float("inf"), float("-inf")) else str(v)
    if isinstance(v, decimal.Decimal):
        return float(v) if v.is_finite() else str(v)
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, datetime.timedelta):
        return v.total_seconds()
    return str(v)


def manifest_summary(m):
    counts = {"model": 0, "test": 0, "seed": 0, "snapshot": 0}
    for n in m.nodes.values():
        rt = status_str(n.resource_type)
        if rt in counts:
            counts[rt] += 1
    return {
        "nodes": len(m.nodes), "models": counts["model"], "tests": counts["test"], "seeds": counts["seed"],
        "snapshots": counts["snapshot"], "sources": len(m.sources), "macros": len(m.macros),
        "exposures": len(getattr(m, "exposures", {}) or {}), "unitTests": len(getattr(m, "unit_tests", {}) or {}),
    }


def shown_by_dbt(results):
    """The results `dbt show` prints (ShowTask.task_end_messages, the same in dbt 1.5-1.12):
    with --inline the inline query, else those whose node name is in the first --select value.
    `show --select orders` also runs the tests on orders (indirect selection) and gets their
    rows; dbt prints neither those nor any other node, nor does the CLI backend (it reads
    dbt's ShowNode events)."""
    from dbt.flags import get_flags

    flags = get_flags()
    if getattr(flags, "INLINE", None):
        return [r for r in results if getattr(r.node, "name", None) == "inline_query"]
    select = getattr(flags, "SELECT", None) or ()
    first = select[0] if select else ""
    return [r for r in results if getattr(r.node, "name", "") in first]


def command_output(command, result, success):
    if result is None:
        if command == "debug":
            return {"kind": "debug", "ok": bool(success)}
        return {"kind": "none"}
    results = getattr(result, "results", None) or []
    if command == "parse" and hasattr(result, "nodes"):
        return {"kind": "parse", "summary": manifest_summary(result)}
    if command in ("list", "ls"):
        return {"kind": "list", "items": [str(x) for x in result]}
    if command == "debug":
        return {"kind": "debug", "ok": bool(result)}
    if command == "show":
        tables = []
        for r in shown_by_dbt(results):
            t = getattr(r, "agate_table", None)
            if t is None:
                continue
            tables.append({
                "uniqueId": getattr(getattr(r, "node", None), "unique_id", ""),
                "columns": [str(c) for c in t.column_names],
                # agate type names (Number, Text, Date, ...): the results grid's column types.
                "types": [type(ct).__name__ for ct in t.column_types],
                "rows": [[cell(v) for v in row] for row in t.rows],
            })
        return {"kind": "show", "tables": tables}
    if command == "compile":
        nodes = []
        for r in results:
            node = getattr(r, "node", None)
            code = getattr(node, "compiled_code", None)
            if node is not None and code is not None:
                nodes.append({"uniqueId": node.unique_id, "compiledCode": code})
        return {"kind": "compile", "nodes": nodes}
    if command == "source freshness":
        sources = []
        for r in results:
            node = getattr(r, "node", None)
            message = getattr(r, "message", None) or getattr(r, "error", None)
            age = getattr(r, "age", None)
            sources.append({
                "uniqueId": getattr(node, "unique_id", None) or getattr(r, "unique_id", ""),
                "status": status_str(getattr(r, "status", None)),
                "maxLoadedAt": iso(getattr(r, "max_loaded_at", None)),
                "snapshottedAt": iso(getattr(r, "snapshotted_at", None)),
                "ageSeconds": float(age) if age is not None else None,
                "message": None if message is None else str(message),
            })
        return {"kind": "freshness", "sources": sources}
    if command == "docs generate":
        return {"kind": "docs", "catalogNodes": len(getattr(result, "nodes", {}) or {}),
                "catalogSources": len(getattr(result, "sources", {}) or {})}
    return {"kind": "none"}


# ---------------------------------------------------------------- the worker


class Worker:
    def __init__(self, channel, project_dir, manifest_out, dbt_runner_cls, process_state):
        self.channel = channel
        self.project_dir = project_dir
        self.manifest_out = manifest_out
        self.dbtRunner = dbt_runner_cls
        self.requests = queue.Queue()
        self.lock = threading.Lock()
        self.running_id = None  # id of the invoke running on the main thread
        self.interrupt_armed = False  # SIGINT raises KeyboardInterrupt only while True
        self.cancel_requested = set()
        self.manifest = None
        self.manifest_key = None  # (files fingerprint, parse args key) the manifest was parsed with
        self.manifest_state = None  # snapshot_manifest_state() right after the parse
        self.process_state = process_state
        # Only the bench turns restoration off, to measure what it costs.
        self.restore_state = os.environ.get("DBT_CONDUCTOR_BENCH_NO_RESTORE") != "1"
        self.invocations = 0

    # -- reader thread

    def read_stdin(self):
        stdin = sys.stdin.buffer
        while True:
            try:
                line = stdin.readline()
            except Exception:
                line = b""
            if not line:
                break
            line = line.strip()
            if not line:
                continue
            try:
                req = json.loads(line.decode("utf-8", "replace"))
                if not isinstance(req, dict) or not isinstance(req.get("method"), str):
                    raise ValueError("a request is an object with a string 'method'")
            except Exception as e:
                self.channel.send({"type": "error", "id": None,
                                   "error": {"type": "BadRequest", "message": "Unreadable request: %s" % e}})
                continue
            if req["method"] == "cancel":
                self.cancel(str((req.get("params") or {}).get("id")))
            else:
                self.requests.put(req)
        # EOF: the runner is gone. Stop what runs, then exit; a watchdog makes sure we do.
        with self.lock:
            if self.running_id is not None:
                self.cancel_requested.add(self.running_id)
                self._interrupt_main()
        self.requests.put(None)
        watchdog = threading.Timer(15.0, lambda: os._exit(0))
        watchdog.daemon = True
        watchdog.start()

    def cancel(self, inv_id):
        with self.lock:
            self.cancel_requested.add(inv_id)
            if self.running_id == inv_id and self.interrupt_armed:
                self._interrupt_main()

    @staticmethod
    def _interrupt_main():
        if os.name == "nt":
            import _thread

            _thread.interrupt_main()
        else:
            os.kill(os.getpid(), signal.SIGINT)

    def on_sigint(self, signum, frame):
        if self.interrupt_armed:
            raise KeyboardInterrupt()
        # Not inside an invoke: ignore (a late cancel must not kill the worker).

    # -- main thread

    def serve(self):
        while True:
            req = self.requests.get()
            if req is None:
                return
            method = req.get("method")
            req_id = req.get("id")
            try:
                params = req.get("params") or {}
                if method == "invoke":
                    self.handle_invoke(req_id, [str(a) for a in params.get("args") or []], params.get("kwargs") or {},
                                       bool(params.get("verboseEvents")), bool(params.get("forceParse")))
                elif method == "parse":
                    self.handle_parse(req_id, [str(a) for a in params.get("args") or []], bool(params.get("force")))
                elif method == "status":
                    self.channel.send(self.status(req_id, bool(params.get("manifestDigest"))))
                elif method == "shutdown":
                    return
                else:
                    self.channel.send({"type": "error", "id": req_id,
                                       "error": {"type": "BadRequest", "message": "Unknown method %r" % method}})
            except BaseException as e:  # our own bug or a stray interrupt: report, keep serving
                with self.lock:
                    self.interrupt_armed = False
                    self.running_id = None
                self.put_back_manifest_state()
                self.channel.send({"type": "error", "id": req_id, "error": {
                    "type": "WorkerInternalError",
                    "message": "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc(limit=8))}})

    def callbacks(self, inv_id, verbose, held=None):
        """`held` collects the CommandCompleted of a parse that runs before the command: a cold
        process completes once, at the end, so that one is neither the command's completion
        (a cancel after it must still stop the command) nor sent, unless the parse fails."""
        send = self.channel.send_event

        def on_event(msg):
            if msg.info.name == "CommandCompleted":
                if held is not None:
                    held.append(msg)
                    return
                self.disarm_after_completion()
            try:
                if verbose or msg.info.name not in NOISE_EVENTS:
                    send(inv_id, msg)
            except Exception:  # never raise into dbt (it would fail the node); KeyboardInterrupt passes
                pass

        return [on_event]

    def disarm_after_completion(self):
        """dbt fired CommandCompleted: the command's outcome is settled, so a cancel arriving now
        changes nothing, as the CLI backend ignores one after that event (a cancel that lands
        in dbt's last steps would turn a finished command into an interrupted one, or not,
        depending only on how long each backend takes to wind down)."""
        with self.lock:
            self.interrupt_armed = False

    def status(self, req_id, with_digest):
        out = {"type": "status", "id": req_id, "rssBytes": rss_bytes(), "invocations": self.invocations,
               "manifestLoaded": self.manifest is not None}
        if with_digest and self.manifest is not None:
            out["manifestDigest"] = manifest_digest(self.manifest)
        return out

    def is_stale(self, key):
        if self.manifest is None or self.manifest_key is None:
            return True
        if env_vars_changed(self.manifest):
            return True
        return key != self.manifest_key

    def current_key(self, args):
        pargs = parse_args_of(args)
        with gc_paused():
            files = fingerprint_files(self.project_dir, profiles_dir_of(pargs, self.project_dir))
        return pargs, (files, parse_key(pargs))

    def run_dbt(self, inv_id, args, kwargs, verbose, manifest, held=None):
        """One dbtRunner.invoke on this (main) thread, interruptible by cancel."""
        runner = self.dbtRunner(manifest=manifest, callbacks=self.callbacks(inv_id, verbose, held))
        self.process_state.before_invocation(parsing=manifest is None)
        TaskRecorder.task = None
        CACHE_EVENTS["wanted"] = verbose or any(a in CACHE_EVENT_FLAGS for a in args)
        with self.lock:
            if inv_id in self.cancel_requested:
                raise KeyboardInterrupt()
            self.interrupt_armed = True
        try:
            res = runner.invoke(list(args), **kwargs)
        finally:
            with self.lock:
                self.interrupt_armed = False
        interrupt = interrupt_behind(res.exception)
        if interrupt is not None and interrupt is not res.exception:
            return _Answer(False, res.result, interrupt)
        return res

    def run_warm(self, inv_id, command, args, kwargs, verbose):
        """An invocation on the cached manifest.

        With --write-json (the default) dbt re-serialises the whole manifest
        to target/manifest.json and pickles the graph after every command:
        two thirds of a warm `run -s one_model` at 1,000 models (profiled with
        py-spy), for a manifest our parse has already written. So the worker
        passes --no-write-json and writes run_results.json itself, as dbt
        would have; not when the user chose either flag or DBT_WRITE_JSON.
        """
        own = (command in RESULT_COMMANDS and "DBT_WRITE_JSON" not in os.environ
               and not any(a in ("--write-json", "--no-write-json") for a in args))
        # dbt's own flag, and the same results: a relation outside the selected schemas is
        # looked up in the database when asked for (bench/README.md: 40% of a warm `run -s`
        # on the real shape at 1,000 models). Not when the user chose either way.
        scoped = command in CACHE_SCOPED_COMMANDS and not user_chose_cache_scope(self.project_dir, args)
        extra = (["--no-write-json"] if own else []) + (["--cache-selected-only"] if scoped else [])
        try:
            res = self.run_dbt(inv_id, args + extra, kwargs, verbose, self.manifest)
        except KeyboardInterrupt as e:
            res = _Interrupted(e)
        if isinstance(res.exception, KeyboardInterrupt):
            # What the CLI keeps on Ctrl-C: the finished nodes, in a partial run_results.json.
            res = _Answer(False, TaskRecorder.partial_result(), res.exception)
        TaskRecorder.task = None
        if own and res.result is not None and hasattr(res.result, "write"):
            try:
                recorded = getattr(res.result, "args", None)
                if isinstance(recorded, dict):
                    # The file records the command's flags, and `dbt retry` replays them: record
                    # what the user ran (dbt's default write_json), not our --no-write-json, or the
                    # retry would leave the previous run_results.json in place.
                    recorded["write_json"] = True
                    if scoped:
                        recorded["cache_selected_only"] = False
                res.result.write(os.path.join(target_dir(self.project_dir, args), "run_results.json"))
            except Exception:
                sys.stderr.write("conductor: could not write run_results.json: " + traceback.format_exc())
        return res

    def remember_manifest(self, inv_id, manifest, key):
        self.manifest = manifest
        self.manifest_key = key
        self.manifest_state = snapshot_manifest_state(manifest) if self.restore_state else None
        self.process_state.after_parse()
        try:
            with gc_paused():
                write_atomically(self.manifest_out, slim_manifest(manifest))
            self.channel.send({"type": "manifest", "id": inv_id, "path": self.manifest_out,
                               "nodeCount": len(manifest.nodes)})
        except Exception as e:
            self.channel.send({"type": "error", "id": None, "error": {
                "type": "ManifestWriteFailed", "message": "Could not write %s: %s" % (self.manifest_out, e)}})

    def handle_parse(self, inv_id, args, force):
        """Parse only when needed; answer with the parse summary either way."""
        self.process_state.fresh_environment()  # .env as a new process would read it, before the staleness check
        if force or self.is_stale(self.current_key(args)[1]):
            self.handle_invoke(inv_id, ["parse"] + args, {}, False, True)
            return
        started = time.monotonic()
        with self.lock:
            self.cancel_requested.discard(inv_id)
        out = self.build_result("parse", _Answer(True, self.manifest), False, False, started)
        self.channel.send({"type": "result", "id": inv_id, "result": out})

    def handle_invoke(self, inv_id, args, kwargs, verbose, force_parse=False):
        started = time.monotonic()
        command = command_of(args)
        parsed = False
        res = None
        with self.lock:
            self.running_id = inv_id
        try:
            self.invocations += 1
            self.process_state.fresh_environment()
            if command in NO_MANIFEST_COMMANDS or not command:
                key = self.current_key(args)[1] if command == "parse" else None
                if command == "parse" and force_parse:
                    self.manifest = None  # forced: the files may have changed unseen (see parse_when_stale)
                res = self.run_dbt(inv_id, args, kwargs, verbose, None)
                parsed = command in ("parse", "retry")
                if command == "parse" and res.success and res.result is not None:
                    self.remember_manifest(inv_id, res.result, key)
                # A failed parse keeps the last good manifest: its key no longer matches the
                # files if they changed, so the next request parses again (see parse_when_stale).
            else:
                pargs, key = self.current_key(args)
                if force_parse or self.is_stale(key):
                    parsed = True
                    res = self.parse_when_stale(inv_id, pargs, key, verbose, force_parse)
                if res is None:
                    res = self.run_warm(inv_id, command, args, kwargs, verbose)
            if command in INVALIDATING_COMMANDS:
                self.manifest = None
        except KeyboardInterrupt as e:
            res = _Interrupted(e)
        finally:
            with self.lock:
                self.interrupt_armed = False  # also when the interrupt landed in run_dbt's own finally
                self.running_id = None
                was_cancelled = inv_id in self.cancel_requested
                self.cancel_requested.discard(inv_id)
            release_database_locks()
        try:
            out = self.build_result(command, res, parsed, was_cancelled, started)
        finally:
            self.put_back_manifest_state()  # after the result is read: it holds the nodes dbt compiled
        self.channel.send({"type": "result", "id": inv_id, "result": out})

    def put_back_manifest_state(self):
        if self.restore_state and self.manifest is not None and self.manifest_state is not None:
            restore_manifest_state(self.manifest, self.manifest_state)

    def parse_when_stale(self, inv_id, pargs, key, verbose, forced):
        """Parses for an invocation; returns the parse's answer when it failed, else None.

        A failure (a usage error such as malformed --vars, or a broken file) keeps the
        last good manifest and its key: the next request with the old arguments on the
        old files runs warm, and any other one parses again. Only a forced parse (the
        editor's invalidate) drops it, as the files may have changed unseen.
        """
        if forced:
            self.manifest = None
        held = []
        pres = self.run_dbt(inv_id, ["parse"] + [x for option in pargs for x in option], {}, verbose, None, held)
        if pres.success and pres.result is not None:
            self.remember_manifest(inv_id, pres.result, key)
            return None
        for msg in held:  # the parse's failure is the answer: its completion is the command's
            self.disarm_after_completion()
            self.channel.send_event(inv_id, msg)
        return pres

    def build_result(self, command, res, parsed, was_cancelled, started):
        exc = getattr(res, "exception", None)
        success = bool(res.success)
        exit_code = 0 if success else (2 if exc is not None else 1)
        result = res.result
        with_code = command in ("compile", "run", "build", "test")
        nodes = []
        if not isinstance(result, (list, bool)) and result is not None and not hasattr(result, "nodes"):
            nodes = [node_result(r, with_code) for r in (getattr(result, "results", None) or [])]
        out = {
            "command": command,
            "success": success,
            "exitCode": exit_code,
            "nodes": nodes,
            "output": command_output(command, result, success),
            "elapsedSeconds": round(time.monotonic() - started, 4),
            "parsed": parsed,
            "cancelled": bool(was_cancelled and isinstance(exc, KeyboardInterrupt)),
            "backend": "worker",
        }
        if self.manifest is not None and os.path.exists(self.manifest_out):
            out["manifestPath"] = self.manifest_out
        if exc is not None:
            message = str(exc)
            if isinstance(exc, KeyboardInterrupt) and not message:
                message = "Cancelled" if was_cancelled else "Interrupted"
            out["exception"] = {"type": type(exc).__name__, "message": message}
        return out


class _Answer:
    """Shaped like dbtRunnerResult, for answers that did not come from dbt.invoke."""

    def __init__(self, success, result=None, exception=None):
        self.success = success
        self.result = result
        self.exception = exception


def interrupt_behind(exc):
    """The KeyboardInterrupt that `exc` is, or was raised while handling; else None.

    On Ctrl-C dbt writes the finished nodes, then cancels the open queries; an adapter's
    cancel can fail there (dbt-duckdb on a connection that has just closed: "Connection
    already closed!") and that error replaces the interrupt. The CLI still reports a
    cancel with the finished nodes (its run_results.json was written first), so the
    worker must too."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _Interrupted(exc):
    """The interrupt landed outside dbt's own handling (e.g. between the parse and the run)."""
    return _Answer(False, None, exc)


def speed_up_cycle_check():
    """Make dbt's per-invocation cycle check linear; same answers.

    Every command links the whole DAG and calls Linker.find_cycles, which is
    networkx's find_cycle: it walks again the shared descendants of every
    start node. Profiled with bench/profile_invocation.py, that was 2.1 s of a
    3.2 s warm `run -s one_model` at 3,000 models. A topological sort says
    "no cycle" in O(nodes + edges); only when there is one do we call dbt's
    own check, so the error message is dbt's. Anything unexpected leaves
    dbt's check in place.
    """
    try:
        import networkx as nx
        from dbt.compilation import Linker

        original = Linker.find_cycles
        if getattr(original, "conductor_fast", False):
            return
    except Exception:
        return

    def find_cycles(self):
        try:
            if nx.is_directed_acyclic_graph(self.graph):
                return None
        except Exception:
            pass
        return original(self)

    find_cycles.conductor_fast = True
    Linker.find_cycles = find_cycles


def speed_up_json_artifacts():
    """Write dbt's JSON artifacts with json's C encoder; the same bytes.

    dbt writes manifest.json and run_results.json with json.dump to the
    file, which runs json's pure-Python encoder; json.dumps of the same data
    with the same encoder class runs the C one and gives the same text.
    Profiled with bench/profile_invocation.py reparse on the real shape at
    1,000 models (13 MB manifest.json): 1.45-1.65 s of json.dump against
    0.48-0.68 s. Off when DBT_CONDUCTOR_BENCH_DBT_JSON_WRITE=1 (the bench's
    baseline). Anything unexpected leaves dbt's own writer in place.
    """
    if os.environ.get("DBT_CONDUCTOR_BENCH_DBT_JSON_WRITE") == "1":
        return
    try:
        from dbt_common.clients import system
        from dbt_common.utils.encoding import JSONEncoder

        original = system.write_json
        if getattr(original, "conductor_fast", False):
            return
    except Exception:
        return

    def write_json(path, data):
        return system.write_file(path, json.dumps(data, cls=JSONEncoder))

    write_json.conductor_fast = True
    # dbt's artifact classes imported the function by name: replace it where they hold it.
    for name in ("dbt_common.clients.system", "dbt.artifacts.schemas.base", "dbt.artifacts.schemas.run.v5.run"):
        try:
            module = __import__(name, fromlist=["write_json"])
        except Exception:
            continue
        if getattr(module, "write_json", None) is original:
            module.write_json = write_json


def speed_up_graph_summary():
    """dbt's graph summary without serialising every node; the same summary.

    Every command writes target/graph_summary.json: Linker.get_graph_summary
    turns each node of the DAG into a dict (to_dict) only to read its
    resource_type. Profiled with bench/profile_invocation.py run on the real
    shape at 1,000 models (4,238 nodes): 0.5 s of a 1.8 s warm `run -s
    one_model`. We read the attribute; the file has the same content.
    Anything unexpected leaves dbt's code in place (dbt 1.5 has no summary).
    """
    try:
        from dbt.compilation import Linker

        original = Linker.get_graph_summary
        if getattr(original, "conductor_fast", False):
            return
    except Exception:
        return

    def get_graph_summary(self, manifest):
        graph_nodes = {}
        index_of = {}
        for index, name in enumerate(self.graph):
            index_of[name] = index
            kind = manifest.expect(name).resource_type
            graph_nodes[index] = {"name": name, "type": getattr(kind, "value", kind)}
        for node in graph_nodes.values():
            successors = [index_of[n] for n in self.graph.successors(node["name"])]
            if successors:
                node["succ"] = successors
        return graph_nodes

    get_graph_summary.conductor_fast = True
    Linker.get_graph_summary = get_graph_summary


# Set per invocation: whether dbt's per-relation cache events are wanted (see speed_up_relation_cache).
CACHE_EVENTS = {"wanted": True}
CACHE_EVENT_FLAGS = ("--debug", "-d", "--log-cache-events")


def speed_up_relation_cache():
    """Fill dbt's relation cache without one debug event per relation; the same cache.

    Before the nodes run, dbt lists every schema of the project and adds each
    relation to the adapter's cache; every add builds a CacheAction debug
    event, which dbt turns into a protobuf message. Profiled with
    bench/profile_invocation.py run on the real shape at 1,000 models (965
    relations, quiet machine): 0.6 s of a 2.4 s warm `run -s one_model`, more
    than the 18 list queries. The cache gets the same relations; only those
    "add_relation" debug lines (not sent to the editor: NOISE_EVENTS) are left
    out of logs/dbt.log, unless the invocation asks for them (--debug,
    --log-cache-events, or verboseEvents). Anything unexpected leaves dbt's
    code in place.
    """
    try:
        from dbt.adapters import cache as module

        original_event, original_fire = module.CacheAction, module.fire_event
        if getattr(original_fire, "conductor_fast", False):
            return
    except Exception:
        return
    skipped = object()

    def cache_action(*args, **kwargs):
        if kwargs.get("action") == "add_relation" and not CACHE_EVENTS["wanted"]:
            return skipped
        return original_event(*args, **kwargs)

    def fire_event(event, *args, **kwargs):
        if event is skipped:
            return None
        return original_fire(event, *args, **kwargs)

    fire_event.conductor_fast = True
    module.CacheAction, module.fire_event = cache_action, fire_event


def release_database_locks():
    """Hold no database file between invocations.

    dbt-duckdb keeps its DuckDB handle in a class-level environment; with
    keep_open: true (the default since 1.9.2) that handle, and the file's
    write lock, would live as long as this process. close_all_connections()
    is the adapter's own exit hook; we call it after every invocation, which
    matches what a fresh CLI process would do.
    """
    mod = sys.modules.get("dbt.adapters.duckdb.connections")
    if mod is None:
        return
    try:
        mgr = mod.DuckDBConnectionManager
        env = getattr(mgr, "_ENV", None)
        if env is not None and hasattr(env, "close"):
            env.close()
        mgr.close_all_connections()
    except Exception:
        sys.stderr.write("conductor: could not release DuckDB: " + traceback.format_exc())


def rss_bytes():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except Exception:
        try:
            import resource

            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # peak, KiB (bytes on macOS)
            return rss if sys.platform == "darwin" else rss * 1024
        except Exception:
            return 0


def version_tuple(text):
    parts = []
    for p in text.split(".")[:3]:
        digits = ""
        for ch in p:
            if not ch.isdigit():
                break
            digits += ch
        parts.append(int(digits or 0))
    return tuple(parts + [0] * (3 - len(parts)))


def fatal(channel, kind, message):
    channel.send({"type": "error", "id": None, "error": {"type": kind, "message": message}})
    channel.close()
    os._exit(EXIT_FATAL)


def main():
    parser = argparse.ArgumentParser(description="dbt Conductor worker")
    parser.add_argument("--project-dir", required=True)
    parser.add_argument("--manifest-out", required=True)
    opts = parser.parse_args()

    # The protocol gets its own copy of stdout; fd 1 and sys.stdout go to stderr, where dbt may print.
    channel = Channel(os.dup(1))
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    # Anonymous usage tracking costs a network round trip per invoke.
    os.environ["DO_NOT_TRACK"] = "1"
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("DBT_USE_COLORS", "false")

    project_dir = os.path.abspath(opts.project_dir)
    if not os.path.isfile(os.path.join(project_dir, "dbt_project.yml")):
        fatal(channel, "ProjectMissing", "No dbt_project.yml in %s." % project_dir)
    os.chdir(project_dir)

    process_state = ProcessState(os.environ)
    try:
        try:
            from importlib import metadata

            version = metadata.version("dbt-core")
        except Exception:
            from dbt.version import __version__ as version  # type: ignore
    except Exception:
        fatal(channel, "DbtNotInstalled",
              "dbt-core is not installed in %s. Install it with: %s -m pip install dbt-core dbt-<adapter>"
              % (sys.executable, sys.executable))
    v = version_tuple(version)
    if v < (1, 5, 0) or v >= (2, 0, 0):
        fatal(channel, "DbtVersionUnsupported",
              "dbt-core %s is not supported by the worker (needs >=1.5,<2); %s"
              % (version, "dbt 2.x has no callbacks or manifest reuse: use the CLI backend."
                 if v >= (2, 0, 0) else "upgrade with: %s -m pip install -U 'dbt-core>=1.5,<2'" % sys.executable))
    try:
        from dbt.cli.main import dbtRunner
    except Exception as e:
        fatal(channel, "DbtNotInstalled", "dbt-core %s is installed but cannot be imported in %s: %s: %s"
              % (version, sys.executable, type(e).__name__, e))
    load_event_helpers()
    speed_up_cycle_check()
    speed_up_json_artifacts()
    speed_up_relation_cache()
    speed_up_graph_summary()
    TaskRecorder.install()

    worker = Worker(channel, project_dir, os.path.abspath(opts.manifest_out), dbtRunner, process_state)
    signal.signal(signal.SIGINT, worker.on_sigint)
    reader = threading.Thread(target=worker.read_stdin, name="conductor-reader", daemon=True)
    # The adapters were listed before the worker started (checkPython in src/runner/pythonEnv.ts).
    channel.send({"type": "ready", "pid": os.getpid(), "python": sys.executable, "dbtVersion": version})
    reader.start()
    worker.serve()
    channel.close()
    sys.stderr.flush()
    os._exit(0)  # dbt may leave non-daemon threads; nothing else needs to run


if __name__ == "__main__":
    main()
