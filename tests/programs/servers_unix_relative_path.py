"""Port of test-cluster-net-listen-relative-path.js: a worker listens on a relative Unix
socket path whose absolute form is longer than a socket address can hold (108 bytes on
Linux), as it may without the cluster; the listen succeeds, the socket file appears in
the worker's working directory, and it is removed once the worker has exited (0).

(Node's primary binds the shortest of the absolute path and the path relative to its own
working directory; here the primary's directory is the parent of the worker's.)
"""

import os
import shutil
import socket
import tempfile

import cluster
from must import must_call

SOCKET_DIR = "unix-socket-dir"
SOCKET_NAME = "A" * (100 - len("./" + SOCKET_DIR) - 1)

if cluster.is_primary:
    base = tempfile.mkdtemp(prefix="cluster-relative-path-")
    os.chdir(base)
    os.mkdir(SOCKET_DIR)
    socket_path = os.path.join(base, SOCKET_DIR, SOCKET_NAME)
    assert len(socket_path) > 108, f"absolute path too short to matter: {socket_path}"

    def on_exit(code, signal):
        try:
            assert (code, signal) == (0, None), (code, signal)
            assert not os.path.exists(socket_path), "the socket should be gone with the worker"
        finally:
            os.chdir("/")
            shutil.rmtree(base)

    cluster.fork().on("exit", must_call(on_exit))
else:
    os.chdir(SOCKET_DIR)
    server = socket.socket(socket.AF_UNIX)
    server.bind(SOCKET_NAME)
    server.listen()
    assert os.path.exists(SOCKET_NAME), "the socket should be in the working directory"
    cluster.process.disconnect()
