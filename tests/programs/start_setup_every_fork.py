"""Node 20 (tests/node/FINDINGS.md scenario 14): 'setup' fires for every
``setup_primary()`` call and for the implicit one inside every ``fork()``, each time
with exactly one argument, the settings that call made; settings merge in order."""

import sys

import cluster
from must import must_call

log: list[str] = []
setups: list[dict] = []


def on_setup(*args):
    assert len(args) == 1, args
    settings = args[0]
    setups.append(settings)
    log.append(f"setup#{len(setups)}:{settings['args']}:{settings.get('serialization')}")


def on_fork(worker):
    log.append(f"fork:{worker.id}")


def on_message(worker, message, handle):
    assert message == ["x1"], message  # the worker's sys.argv[1:]
    worker.disconnect()


exits: list[int] = []


def on_exit(worker, code, signal):
    assert (code, signal) == (0, None)
    exits.append(worker.id)
    if len(exits) == 2:
        print(" ".join(log))
        assert log == [
            "setup#1:['x1']:None",
            "setup#2:['x1']:json",
            "setup#3:['x1']:json",
            "fork:1",
            "setup#4:['x1']:json",
            "fork:2",
        ], log


def primary() -> None:
    assert cluster.settings == {}
    cluster.on("setup", must_call(on_setup, 4))
    cluster.on("fork", must_call(on_fork, 2))

    cluster.setup_primary(args=["x1"])
    assert cluster.settings["args"] == ["x1"]
    assert cluster.settings["silent"] is False
    cluster.setup_primary(silent=False, serialization="json")
    assert cluster.settings["args"] == ["x1"]  # merged, not replaced
    assert cluster.settings["serialization"] == "json"

    cluster.fork()
    cluster.fork()
    cluster.on("message", must_call(on_message, 2))
    cluster.on("exit", must_call(on_exit, 2))


if cluster.is_worker:
    cluster.process.send(sys.argv[1:])
else:
    primary()
