"""A socket implementation that binds by itself is named in the error (issue 13):
``green_raw_socket.py <port>``.

Each worker's server socket is a subclass of ``_socket.socket``, the C type (as
gevent's sockets were before issue 13), not of ``socket.socket``: nothing in Python
sees its ``bind()``, so it is not routed through the primary. Worker 1 binds
127.0.0.1:<port>, listens and says ``bound``; only then does the primary fork worker
2, whose bind of the same address must fail with an error that says the address was
not routed through the primary and names the class: it dies of it (an uncaught error,
status 1). The primary prints ``exit <id> <code> <signal>`` for each worker, then
disconnects worker 1, which exits 0; the program ends by itself.
"""

import _socket
import sys

import cluster
from must import must_call

PORT = int(sys.argv[1])


class RawSocket(_socket.socket):
    """A server socket of its own, over the C type."""


if cluster.is_primary:

    def on_message(worker, message, handle):
        assert (worker.id, message) == (1, "bound"), (worker.id, message)
        cluster.fork()

    def on_exit(worker, code, signal):
        print(f"exit {worker.id} {code} {signal}")
        if worker.id == 2:
            assert (code, signal) == (1, None), (code, signal)
            cluster.disconnect(must_call())
        else:
            assert (code, signal) == (0, None), (code, signal)
            assert worker.exited_after_disconnect is True

    cluster.on("message", must_call(on_message))
    cluster.on("exit", must_call(on_exit, 2))
    cluster.fork()
else:
    server = RawSocket(_socket.AF_INET, _socket.SOCK_STREAM)
    server.bind(("127.0.0.1", PORT))
    server.listen()
    cluster.process.send("bound")
