"""Port of test-cluster-dgram-ipv6only.js: in a worker, a UDP socket on :: with
IPV6_V6ONLY and a UDP socket on 0.0.0.0 can be bound to the same port (the primary binds
the IPv6 one v6-only, as the worker set it); the worker closes both, disconnects and
exits 0."""

import socket

import cluster
from must import must_call

if cluster.is_primary:

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)

    cluster.fork().on("exit", must_call(on_exit))
else:
    socket6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    socket6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    socket6.bind(("::", 0))
    port = socket6.getsockname()[1]
    socket4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    socket4.bind(("0.0.0.0", port))  # OSError (EADDRINUSE) if :: was bound dual-stack
    assert socket4.getsockname()[1] == port
    socket6.close()
    socket4.close()
    cluster.worker.disconnect()
