"""SPEC.md: a message that cannot be serialized fails at the call with a clear
TypeError naming what cannot be sent; nothing goes out and the channel keeps working.

``sys.argv[1]``: ``json`` (a set, bytes, an arbitrary object, a circular list) or
``advanced`` (pickle: a lock, a lambda).
"""

import sys
import threading

import cluster
from must import must_call, must_not_call

MODE = sys.argv[1]


class Thing:
    pass


def refused(send, message, name: str) -> None:
    try:
        send(message)
    except TypeError as exc:
        assert name in str(exc), f"{exc} does not name {name!r}"
        print(f"refused {name}: {exc}")
    else:
        raise AssertionError(f"sending {message!r} did not raise TypeError")


def refuse_all(send) -> None:
    if MODE == "json":
        circular: list = []
        circular.append(circular)
        refused(send, {1, 2, 3}, "set")
        refused(send, {"nested": [{"deep": {4, 5}}]}, "set")
        refused(send, Thing(), "Thing")
        refused(send, b"bytes", "bytes")
        refused(send, circular, "circular")
    else:
        refused(send, {"lock": threading.Lock()}, "lock")
        refused(send, [lambda: 1], "lambda")


if cluster.is_worker:

    def on_message(message, handle):
        refuse_all(cluster.process.send)
        cluster.process.send({"echo": message})

    cluster.process.on("message", on_message)
else:
    if MODE == "advanced":
        cluster.setup_primary(serialization="advanced")
    worker = cluster.fork()
    refuse_all(worker.send)
    assert worker.is_connected()
    worker.send("still works")

    def on_message(message, handle):
        assert message == {"echo": "still works"}, message  # nothing refused got through
        worker.disconnect()

    worker.on("message", must_call(on_message))
    worker.on("error", must_not_call("worker 'error'"))

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)

    worker.on("exit", must_call(on_exit))
