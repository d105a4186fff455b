"""SPEC.md: message order between two processes is preserved. 10,000 numbered
messages go each way at the same time; each side checks it got every one, in order."""

import cluster
from must import must_call

COUNT = 10_000

if cluster.is_worker:
    expected = [0]

    def on_message(message, handle):
        assert message == {"n": expected[0]}, (message, expected[0])
        expected[0] += 1
        if expected[0] == COUNT:
            cluster.process.send({"worker got": COUNT})

    for n in range(COUNT):
        cluster.process.send({"n": n})
    # Added after sending, so that "worker got" cannot overtake the worker's own stream.
    cluster.process.on("message", on_message)
else:
    worker = cluster.fork()
    state = {"next": 0, "worker got": None}

    def on_message(message, handle):
        if "worker got" in message:
            assert state["next"] == COUNT, state  # it comes after the worker's 10,000
            state["worker got"] = message["worker got"]
            worker.disconnect()
            return
        assert message == {"n": state["next"]}, (message, state)
        state["next"] += 1

    worker.on("message", on_message)
    for n in range(COUNT):
        worker.send({"n": n})

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)
        assert state == {"next": COUNT, "worker got": COUNT}, state
        print("in order both ways:", COUNT)

    worker.on("exit", must_call(on_exit))
