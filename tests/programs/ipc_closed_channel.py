"""SPEC.md / Node 20 (tests/node/FINDINGS.md scenario 18): ``send(callback=...)``
reports a written message with ``callback(None)``; after the worker has exited,
``send()`` returns False without raising, and the error (a ChannelClosedError, Node's
ERR_IPC_CHANNEL_CLOSED) goes to the callback, or without one to the worker's 'error'
event; neither happens inside the ``send()`` call itself.

``sys.argv[1]``:
- ``busy``: a second worker keeps the primary alive meanwhile; it is disconnected once
  both errors have been reported;
- ``last``: the exited worker is the primary's only one, so the primary must still run
  those callbacks before it exits (Node runs them on the next tick, before exiting).
"""

import sys
import threading

import cluster
from must import must_call

MODE = sys.argv[1]

if cluster.is_worker:
    cluster.process.on("message", lambda message, handle: cluster.process.exit(0))
else:
    worker = cluster.fork()
    keeper = cluster.fork() if MODE == "busy" else None
    inside_send = threading.local()
    reported: list[str] = []

    def one_reported(what: str) -> None:
        reported.append(what)
        if len(reported) == 2 and keeper is not None:
            keeper.disconnect()

    def sent(error):
        assert error is None, error
        print("callback(None) after a good send")

    worker.on("online", must_call(lambda: worker.send("exit now", callback=must_call(sent))))

    def closed_callback(error):
        assert not getattr(inside_send, "active", False), "callback ran inside send()"
        assert isinstance(error, cluster.ChannelClosedError), repr(error)
        assert error.code == "ERR_IPC_CHANNEL_CLOSED"
        print("callback got", type(error).__name__, error)
        one_reported("callback")

    def closed_error_event(error):
        assert not getattr(inside_send, "active", False), "'error' emitted inside send()"
        assert isinstance(error, cluster.ChannelClosedError), repr(error)
        print("'error' event got", type(error).__name__, error)
        one_reported("error")

    worker.on("error", must_call(closed_error_event))

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)
        assert not worker.is_connected()
        inside_send.active = True
        try:
            with_callback = worker.send("too late", callback=must_call(closed_callback))
            without_callback = worker.send("too late again")
        finally:
            inside_send.active = False
        assert with_callback is False and without_callback is False

    worker.on("exit", must_call(on_exit))
