"""Port of test-cluster-net-listen.js: Node's ``server.listen()`` with no port or address.
The Python twins are a socket that listens without being bound (the kernel picks a
port) and one bound to ``("", 0)``; in a worker both listen without tripping up the
cluster, and the worker exits 0 (Node's exits from the listen callback)."""

import socket

import cluster
from must import must_call

if cluster.is_primary:

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)

    cluster.fork().on("exit", must_call(on_exit))
else:
    never_bound = socket.socket()
    never_bound.listen()
    assert never_bound.getsockname()[1] > 0
    bound_anywhere = socket.socket()
    bound_anywhere.bind(("", 0))
    bound_anywhere.listen()
    assert bound_anywhere.getsockname()[1] > 0
    cluster.process.exit(0)
