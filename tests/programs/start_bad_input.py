"""SPEC.md: a bad argument is refused at the call that received it, naming it, and a
refused call changes nothing. ``setup_primary()`` with an unknown setting or a bad value
raises; ``fork(env)`` with a non-mapping raises TypeError and starts no worker;
``env`` values are converted with ``str()``; ``fork()`` in a worker raises.

Modes: ``all`` (default), or ``stdio-entries`` (bad entries inside a stdio list).
"""

import os
import sys

import cluster
from must import must_call, must_not_call

MODE = sys.argv[1] if len(sys.argv) > 1 else "all"


def refused(expected, name: str, **settings) -> None:
    """``setup_primary(**settings)`` raises ``expected`` naming ``name``; nothing changes."""
    before = cluster.settings
    try:
        cluster.setup_primary(**settings)
    except expected as exc:
        assert name in str(exc), f"{exc!r} does not name {name!r}"
        print(f"setup_primary({settings!r}) -> {type(exc).__name__}: {exc}")
    else:
        raise AssertionError(f"setup_primary({settings!r}) did not raise")
    assert cluster.settings == before, (settings, cluster.settings)


def worker_main() -> None:
    report = {"env": {k: os.environ.get(k) for k in ("NUM", "FLAG", "NOTHING", "TEXT")}}
    for name, call in (
        ("fork", lambda: cluster.fork()),
        ("setup_primary", lambda: cluster.setup_primary(silent=True)),
        ("disconnect", lambda: cluster.disconnect()),
    ):
        try:
            call()
        except Exception as exc:  # noqa: BLE001 - reported to the primary
            report[name] = type(exc).__name__
        else:
            report[name] = "no error"
    cluster.process.send(report)


def stdio_entries() -> None:
    # An entry must be 'pipe', 'inherit', 'ignore', 'ipc' or a descriptor: anything else
    # is refused by setup_primary(), not later by fork() when the OS is handed it.
    for entry in (1.5, -5, object()):
        refused((TypeError, ValueError), "stdio", stdio=["pipe", entry, "pipe"])
    assert cluster.settings == {}


def primary_main() -> None:
    assert cluster.settings == {}
    setups: list[dict] = []
    cluster.on("setup", setups.append)

    # Before any valid call: nothing is kept, settings stay empty.
    refused(TypeError, "bogus", bogus=1)
    refused(TypeError, "bogus", silent=True, bogus=1)  # the good half is not kept either
    refused(ValueError, "silent", silent="yes")
    refused(ValueError, "args", args="not a list")
    refused(ValueError, "args", args=["ok", 3])
    refused(ValueError, "exec_argv", exec_argv=[1])
    refused(ValueError, "serialization", serialization="xml")
    refused(ValueError, "cwd", cwd=5)
    refused(ValueError, "uid", uid=-1)
    refused(ValueError, "stdio", stdio=["pipe", "pipe", "pipe", "pipe"])
    refused(ValueError, "stdio", stdio=["pipe", "bogus", "pipe"])
    assert cluster.settings == {}

    # After a valid call: a refused one leaves those settings as they were.
    cluster.setup_primary(args=["kept"])
    kept = dict(cluster.settings)
    refused(TypeError, "execArgv", execArgv=["-X", "dev"])
    refused(ValueError, "silent", silent=1)
    refused(ValueError, "serialization", args=["changed"], serialization="msgpack")
    assert cluster.settings == kept, cluster.settings

    # fork(env) with something that is not a mapping: TypeError, no worker, no 'fork'.
    cluster.on("fork", must_call(lambda worker: None))
    for env in (["NUM=42"], "NUM=42", 42):
        try:
            cluster.fork(env)
        except TypeError as exc:
            print(f"fork({env!r}) -> TypeError: {exc}")
        else:
            raise AssertionError(f"fork({env!r}) did not raise TypeError")
        assert cluster.workers == {}, cluster.workers

    worker = cluster.fork({"NUM": 42, "FLAG": True, "NOTHING": None, "TEXT": "plain"})
    assert worker.id == 1, worker.id  # the refused calls used no id
    assert list(cluster.workers) == [1]

    # A mapping whose value the OS cannot take is refused at the call too.
    try:
        cluster.fork({"BAD": "nul\0byte"})
    except ValueError as exc:
        print(f"fork(env with a NUL byte) -> ValueError: {exc}")
    else:
        raise AssertionError("fork(env with a NUL byte) did not raise ValueError")
    assert list(cluster.workers) == [1], cluster.workers

    def on_report(report, handle):
        assert report["env"] == {
            "NUM": "42",
            "FLAG": "True",
            "NOTHING": "None",
            "TEXT": "plain",
        }, report
        assert report["fork"] == "RuntimeError", report
        assert report["setup_primary"] == "RuntimeError", report
        assert report["disconnect"] == "RuntimeError", report
        print("worker refused fork, setup_primary, disconnect")
        worker.disconnect()

    worker.on("message", must_call(on_report))
    worker.on("error", must_not_call("worker 'error'"))

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)
        assert setups and setups[0]["args"] == ["kept"], setups
        assert all(settings["args"] == ["kept"] for settings in setups), setups
        assert cluster.workers == {}

    worker.on("exit", must_call(on_exit))


if cluster.is_worker:
    worker_main()
elif MODE == "stdio-entries":
    stdio_entries()
else:
    primary_main()
