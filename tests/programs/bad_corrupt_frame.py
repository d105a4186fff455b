"""A worker whose channel carries garbage: 'error' on that worker only; the other
worker's messages still arrive, and the primary lives on."""

import os
import struct

import cluster
from must import must_call

if cluster.is_primary:
    corrupt, healthy = cluster.fork({"ROLE": "corrupt"}), cluster.fork({"ROLE": "healthy"})
    errors = []

    @corrupt.on("error")
    def on_error(exc):
        errors.append(exc)
        print("error on the corrupt worker:", type(exc).__name__)

    @healthy.on("message")
    def on_message(message, handle):
        assert message == {"still": "here"}, message
        healthy.disconnect()

    corrupt.on("exit", must_call(lambda code, signal: print("corrupt worker exited", code)))
    healthy.on("exit", must_call(lambda code, signal: print("healthy worker exited", code)))

    @cluster.on("exit")
    def check(worker, code, signal):
        if worker is corrupt:
            assert len(errors) == 1, errors
else:
    if os.environ["ROLE"] == "corrupt":
        fd = cluster.process._link.channel._sock.fileno()
        os.write(fd, struct.pack("!IBB", 12, 99, 0) + b"not a frame!")  # an unknown kind
    else:
        cluster.process.once("message", lambda *_: None)
        cluster.process.send({"still": "here"})
