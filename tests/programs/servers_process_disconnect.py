"""Port of test-cluster-process-disconnect.js: a worker that calls
cluster.process.disconnect() while its server listens exits normally (code 0, no
signal)."""

import socket

import cluster
from must import must_call

if cluster.is_primary:

    def on_exit(code, signal):
        assert code == 0, "worker did not exit normally"
        assert signal is None, "worker did not exit normally"

    worker = cluster.fork()
    worker.on("listening", must_call())
    worker.on("exit", must_call(on_exit))
else:
    server = socket.create_server(("127.0.0.1", 0))
    cluster.process.disconnect()
