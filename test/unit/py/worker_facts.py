"""What dbt_worker.py knows that TypeScript also knows, as JSON on stdout.

    python worker_facts.py path/to/dbt_worker.py < arg-lists.json

Reads the worker's source with `ast` (nothing of it runs) for its lists and
the protocol strings it uses, then imports it (its top level imports only the
standard library) to run command_of() on every argument list read from stdin.
Used by test/unit/worker-parity.test.ts.
"""
import ast
import importlib.util
import json
import sys


def frozen_list(tree, name):
    """The string items of a top-level `NAME = frozenset([...])`."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            value = node.value
            if isinstance(value, ast.Call) and value.args:
                value = value.args[0]
            return sorted(ast.literal_eval(value))
    raise SystemExit("no top-level %s in the worker" % name)


def is_method(expr):
    """`method` or `req["method"]`."""
    if isinstance(expr, ast.Name):
        return expr.id == "method"
    return isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant) and expr.slice.value == "method"


def protocol_strings(tree):
    methods, types, kinds = set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and is_method(node.left):
            methods.update(c.value for c in node.comparators if isinstance(c, ast.Constant) and isinstance(c.value, str))
        if isinstance(node, ast.Dict):
            entries = {k.value: v for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant)}
            literal = {k: v.value for k, v in entries.items() if isinstance(v, ast.Constant) and isinstance(v.value, str)}
            # {"type": ..., "message": ...} is the error payload inside an error message, not a message.
            if "type" in literal and "message" not in entries:
                types.add(literal["type"])
            if "kind" in literal:
                kinds.add(literal["kind"])
    return sorted(methods), sorted(types), sorted(kinds)


def main():
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    spec = importlib.util.spec_from_file_location("dbt_worker", path)
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    methods, types, kinds = protocol_strings(tree)
    print(json.dumps({
        "noiseEvents": frozen_list(tree, "NOISE_EVENTS"),
        "knownCommands": frozen_list(tree, "KNOWN_COMMANDS"),
        "requestMethods": methods,
        "messageTypes": types,
        "outputKinds": kinds,
        "commandOf": [worker.command_of(args) for args in json.load(sys.stdin)],
    }))


if __name__ == "__main__":
    main()
