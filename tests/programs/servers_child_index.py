"""Ports of test-cluster-child-index-net.js (``tcp``) and test-cluster-child-index-dgram.js
(``udp``): a worker opens two servers on port 0, then closes each and opens a new one on
port 0 straight away, twice over, without the primary's bookkeeping of the worker's
servers (one per address and index) getting mixed up: every server is bound and
announced, and the worker exits 0.
"""

import socket
import sys

import cluster
from must import must_call

KIND = sys.argv[1]
ROUNDS = 2

if cluster.is_primary:

    def on_listening(worker, address):
        assert address.port > 0, address
        assert address.address_type == ("udp4" if KIND == "udp" else 4), address

    def on_exit(worker, code, signal):
        assert (code, signal) == (0, None), (code, signal)

    cluster.fork()
    cluster.on("listening", must_call(on_listening, ROUNDS * 2))
    cluster.on("exit", must_call(on_exit))
else:

    def open_server() -> socket.socket:
        if KIND == "tcp":
            return socket.create_server(("", 0))
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("", 0))
        return sock

    first = [open_server() for _ in range(ROUNDS)]
    second = []
    for server in first:
        assert server.getsockname()[1] > 0
        server.close()
        replacement = open_server()
        assert replacement.getsockname()[1] > 0
        second.append(replacement)
    for server in second:
        server.close()
    cluster.process.exit(0)
