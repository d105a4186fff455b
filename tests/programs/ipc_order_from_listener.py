"""SPEC.md: message order is preserved, also for messages sent from a listener (the
event thread): there the first message of a turn is written at once, the rest are
queued together and written every 64 KiB, and messages with a socket or a callback
are queued as their own entries. 30,000 numbered messages go each way from a
listener, every 1,000th with a callback and every 5,000th with a socket; each side
checks it got every one, in order, and the sockets on the right messages."""

import socket

import cluster
from must import must_call

COUNT = 30_000
PAD = "x" * 32  # 30,000 frames of ~50 bytes: well past 64 KiB in one callback


def send_all(send) -> None:
    """Send the numbered stream from the calling listener."""
    written = []
    for n in range(COUNT):
        message = {"n": n, "pad": PAD}
        if n % 5_000 == 0:
            ours, theirs = socket.socketpair()
            ours.close()
            send(message, theirs)
        elif n % 1_000 == 0:
            send(message, None, None, lambda error, n=n: written.append((n, error)))
        else:
            send(message)
    return written


def checker(name: str, done):
    expected = [0]

    def on_message(message, handle):
        if message.get("n") is None:
            return
        n = expected[0]
        assert message == {"n": n, "pad": PAD}, (name, message, n)
        assert (handle is not None) == (n % 5_000 == 0), (name, n, handle)
        if handle is not None:
            handle.close()
        expected[0] += 1
        if expected[0] == COUNT:
            done()

    return on_message


if cluster.is_worker:
    process = cluster.process

    def on_message(message, handle):
        if message.get("go"):
            send_all(process.send)

    def got_all():
        process.send({"worker got": COUNT})

    process.on("message", checker("worker", got_all))
    process.on("message", on_message)
    process.send({"ready": True})
else:
    worker = cluster.fork()
    state = {"primary got": 0}

    def on_message(message, handle):
        if message.get("ready"):
            worker.send({"go": True})  # both streams flow at once
            state["written"] = send_all(worker.send)
        elif "worker got" in message:
            state["worker"] = message
            if state["primary got"]:
                worker.disconnect()

    def got_all():
        state["primary got"] = COUNT
        if "worker" in state:
            worker.disconnect()

    worker.on("message", checker("primary", got_all))
    worker.on("message", on_message)

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)
        assert state["primary got"] == COUNT, state
        assert state["worker"] == {"worker got": COUNT}, state
        called_back = [n for n in range(COUNT) if n % 1_000 == 0 and n % 5_000]
        assert state["written"] == [(n, None) for n in called_back], state["written"][:3]
        print("in order both ways from listeners:", COUNT)

    worker.on("exit", must_call(on_exit))
