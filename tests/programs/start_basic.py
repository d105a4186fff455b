"""Port of test-cluster-basic.js: one worker's whole life, seen from the primary.

Servers are not part of this port (see tests/test_start.py), so the worker reports in
with a message instead of listening, and the primary kills it when that arrives.
Modes: none, or ``stray-id`` (the test runs this primary with NODE_UNIQUE_ID already
set in its environment, and no channel).
"""

import os
import sys

import cluster
from must import must_call

MODE = sys.argv[1] if len(sys.argv) > 1 else "plain"

if cluster.is_worker:
    # The marker that made this process a worker is gone before user code runs.
    cluster.process.send(
        {
            "unique_id_in_env": "NODE_UNIQUE_ID" in os.environ,
            "id": cluster.worker.id,
            "state": cluster.worker.state,
            "is_primary": cluster.is_primary,
        }
    )
else:
    if MODE == "stray-id":
        # An id left in the environment, with no channel, does not make a worker.
        assert os.environ.get("NODE_UNIQUE_ID") == "5"
    else:
        assert "NODE_UNIQUE_ID" not in os.environ
    assert cluster.is_primary and not cluster.is_worker

    worker = cluster.fork()
    assert worker.id == 1
    assert isinstance(worker, cluster.Worker)
    assert worker.state == "none"

    seen: list[str] = []
    # Which state the worker is in when each module event fires.
    expected_state = {
        "fork": "none",
        "online": "online",
        "disconnect": "disconnected",
        "exit": "dead",
    }

    def module_listener(name: str):
        def listener(*args):
            assert args[0] is worker, (name, args)
            assert worker.state == expected_state[name], (name, worker.state)
            seen.append("cluster." + name)

        return listener

    def worker_listener(name: str, arity: int):
        def listener(*args):
            assert len(args) == arity, (name, args)
            assert worker.state == expected_state[name], (name, worker.state)
            seen.append("worker." + name)

        return listener

    worker.on("online", must_call(worker_listener("online", 0)))
    worker.on("disconnect", must_call(worker_listener("disconnect", 0)))
    worker.on("exit", must_call(worker_listener("exit", 2)))
    for name in ("fork", "online", "disconnect", "exit"):
        cluster.on(name, must_call(module_listener(name)))

    def on_report(message, handle):
        assert handle is None
        assert message == {
            "unique_id_in_env": False,
            "id": 1,
            "state": "online",
            "is_primary": False,
        }, message
        worker.kill()

    worker.on("message", must_call(on_report))

    def on_exit(code, signal):
        assert (code, signal) == (None, "SIGTERM"), (code, signal)
        assert code == worker.process.exit_code
        assert signal == worker.process.signal_code
        assert worker.is_dead() and not worker.is_connected()
        assert worker.exited_after_disconnect is False
        assert cluster.workers == {}

    worker.on("exit", must_call(on_exit))
    cluster.on("exit", must_call(lambda *args: print("events:", " ".join(seen))))
