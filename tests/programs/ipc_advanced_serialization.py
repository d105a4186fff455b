"""Port of test-cluster-advanced-serialization.js: with ``serialization='advanced'``
(pickle) a self-referencing object goes primary -> worker -> primary intact.

``sys.argv[1]``:
- ``setup``: the setting is made with ``setup_primary(serialization='advanced')``;
- ``settings``: it is assigned into ``cluster.settings`` before the first fork, as
  Node's test does;
- ``main-class``: the message also holds an instance of a class defined in this
  program's ``__main__`` (after ``import cluster``, as user code would).
"""

import sys
from dataclasses import dataclass

import cluster
from must import must_call

MODE = sys.argv[1]


@dataclass
class Point:
    x: int
    y: int


def message_to_send() -> dict:
    circular: dict = {}
    circular["circular"] = circular
    message = {
        "circular": circular,
        "tuple": (1, "two", 3.0),
        "set": {1, 2, 3},
        "bytes": b"\x00\xff",
    }
    if MODE == "main-class":
        message["point"] = Point(1, 2)
    return message


def check_echo(echo: dict) -> None:
    assert echo["circular"]["circular"] is echo["circular"]
    assert echo["tuple"] == (1, "two", 3.0) and type(echo["tuple"]) is tuple
    assert echo["set"] == {1, 2, 3}
    assert echo["bytes"] == b"\x00\xff"
    if MODE == "main-class":
        point = echo["point"]
        assert type(point) is Point and point == Point(1, 2), point


def primary() -> None:
    if MODE == "settings":
        cluster.settings["serialization"] = "advanced"
    else:
        cluster.setup_primary(serialization="advanced")
    worker = cluster.fork()
    assert cluster.settings["serialization"] == "advanced"
    message = message_to_send()

    def on_message(echo, handle):
        assert handle is None
        assert echo is not message
        check_echo(echo)
        print("round trip intact")
        worker.kill()

    worker.on("online", must_call(lambda: worker.send(message)))
    worker.on("message", must_call(on_message))

    def on_exit(code, signal):
        assert (code, signal) == (None, "SIGTERM"), (code, signal)

    worker.on("exit", must_call(on_exit))


if cluster.is_worker:
    cluster.process.on("message", lambda message, handle: cluster.process.send(message))
else:
    primary()
