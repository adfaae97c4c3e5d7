"""DuckDB side of the equivalence layer's database inspector (duckdbTarget.ts).

Reads JSON-line requests on stdin, answers one JSON line each on stdout:
  {"op": "snapshot", "paths": [...]}  -> {"relations": {"<file>:<schema>.<name>": {kind, rows, checksum}}}
  {"op": "drop", "path": p, "schema": s, "name": n}   -> {"ok": true}  (table or view, if it exists)
  {"op": "create", "path": p, "schema": s, "name": n} -> {"ok": true}  (a small table)
Each request opens and closes its own connection, like a terminal user would,
so no lock is held while dbt runs. Columns named dbt_* (snapshot timestamps)
are left out of table checksums: they hold the time of the run.
"""
import hashlib
import json
import os
import sys

import duckdb


def relation_state(con, schema, name, kind):
    rel = '"%s"."%s"' % (schema.replace('"', '""'), name.replace('"', '""'))
    try:
        rows = con.execute("select count(*) from " + rel).fetchone()[0]
    except Exception as e:  # a view over a dropped table, for instance
        return {"kind": kind, "rows": "error: " + str(e).split("\n")[0][:120]}
    state = {"kind": kind, "rows": rows}
    if kind == "table":
        cols = [c[0] for c in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "order by ordinal_position", [schema, name]).fetchall()]
        kept = [c for c in cols if not c.lower().startswith("dbt_")]
        lines = sorted(json.dumps([str(v) for v in row]) for row in con.execute(
            "select %s from %s" % (", ".join('"%s"' % c.replace('"', '""') for c in kept) or "1", rel)).fetchall())
        state["columns"] = kept
        state["checksum"] = hashlib.sha1("\n".join(lines).encode("utf-8")).hexdigest()
    return state


def snapshot(paths):
    out = {}
    for path in paths:
        if not os.path.exists(path):
            continue
        con = duckdb.connect(path, read_only=True)
        try:
            found = con.execute(
                "select table_schema, table_name, table_type from information_schema.tables "
                "where table_catalog = current_database() order by 1, 2").fetchall()
            for schema, name, kind in found:
                key = "%s:%s.%s" % (os.path.basename(path), schema, name)
                out[key] = relation_state(con, schema, name, "view" if kind == "VIEW" else "table")
        finally:
            con.close()
    return {"relations": out}


def change(op, path, schema, name):
    con = duckdb.connect(path)
    try:
        if op == "create":
            con.execute('create schema if not exists "%s"' % schema)
            con.execute('create or replace table "%s"."%s" as select 1 as id, \'outside\' as who' % (schema, name))
        else:
            kind = con.execute("select table_type from information_schema.tables where table_schema = ? and table_name = ?",
                               [schema, name]).fetchone()
            if kind is not None:
                con.execute('drop %s "%s"."%s"' % ("view" if kind[0] == "VIEW" else "table", schema, name))
    finally:
        con.close()
    return {"ok": True}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            if req["op"] == "snapshot":
                answer = snapshot(req["paths"])
            else:
                answer = change(req["op"], req["path"], req["schema"], req["name"])
        except Exception as e:
            answer = {"error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
