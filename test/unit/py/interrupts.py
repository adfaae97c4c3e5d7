"""What dbt_worker.interrupt_behind() finds in the exception chains an interrupted
dbt can end with, as JSON on stdout: {case: type name of the interrupt found, or null}.

    python interrupts.py path/to/dbt_worker.py

On Ctrl-C dbt cancels the open queries inside its `except KeyboardInterrupt`, and an
adapter's cancel can raise there (dbt-duckdb: "Connection already closed!"), so the
exception dbtRunner returns is that error, with the interrupt as its context.
Used by test/unit/worker-interrupt.test.ts.
"""
import importlib.util
import json
import sys


class ConnectionException(Exception):
    """Shaped like duckdb.ConnectionException: an adapter's own error type."""


class DbtRuntimeError(Exception):
    """Shaped like dbt's wrapper of an adapter error (`raise DbtRuntimeError(...) from e`)."""


def raised(make):
    try:
        make()
    except BaseException as e:  # the chain as Python builds it
        return e
    raise AssertionError("nothing raised")


def interrupt():
    raise KeyboardInterrupt()


def cancel_fails_after_interrupt():
    try:
        interrupt()
    except KeyboardInterrupt:
        raise ConnectionException("Connection already closed!")


def wrapped_cancel_failure():
    try:
        cancel_fails_after_interrupt()
    except ConnectionException as e:
        raise DbtRuntimeError(str(e)) from e


def error_while_handling_error():
    try:
        raise ValueError("a model failed")
    except ValueError:
        raise ConnectionException("Connection already closed!")


def cycle():
    a, b = ValueError("a"), ValueError("b")
    a.__context__, b.__context__ = b, a
    return a


def main():
    spec = importlib.util.spec_from_file_location("dbt_worker", sys.argv[1])
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    cases = {
        "none": None,
        "interrupt": raised(interrupt),
        "cancel fails after the interrupt": raised(cancel_fails_after_interrupt),
        "wrapped cancel failure": raised(wrapped_cancel_failure),
        "an error while handling an error": raised(error_while_handling_error),
        "a context cycle": cycle(),
    }
    found = {name: worker.interrupt_behind(exc) for name, exc in cases.items()}
    print(json.dumps({name: type(f).__name__ if f is not None else None for name, f in found.items()}))


if __name__ == "__main__":
    main()
