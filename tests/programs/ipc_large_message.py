"""A large message (8 MB) arrives intact, primary -> worker and back, under both
serializations (``sys.argv[1]``: ``json`` or ``advanced``; the latter adds 8 MB of
random bytes)."""

import hashlib
import os
import sys

import cluster
from must import must_call

SIZE = 8 << 20
MODE = sys.argv[1]


def blob() -> str:
    # Varied content (not one repeated byte), reproducible on both sides.
    chunk = hashlib.sha256(b"cluster").hexdigest()
    return (chunk * (SIZE // len(chunk) + 1))[:SIZE]


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


if cluster.is_worker:

    def on_message(message, handle):
        text = message["blob"]
        reply = {"len": len(text), "sha": digest(text), "blob": text}
        if "bytes" in message:
            reply["bytes"] = message["bytes"]
        cluster.process.send(reply)

    cluster.process.on("message", must_call(on_message))
else:
    if MODE == "advanced":
        cluster.setup_primary(serialization="advanced")
    worker = cluster.fork()
    original = blob()
    extra = os.urandom(SIZE)
    worker.send({"blob": original, "bytes": extra} if MODE == "advanced" else {"blob": original})

    def on_message(message, handle):
        assert message["len"] == SIZE, message["len"]
        assert message["sha"] == digest(original)
        assert message["blob"] == original
        if MODE == "advanced":
            assert message["bytes"] == extra
        print("8 MB intact both ways")
        worker.disconnect()

    worker.on("message", must_call(on_message))

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)

    worker.on("exit", must_call(on_exit))
