"""Port of test-cluster-listen-pipe-readable-writable.js, in part: a worker's Unix socket
server, bound by the primary on its behalf, is a socket file at the worker's path,
which the worker can open to everyone (Node's ``readableAll``/``writableAll`` listen
options have no Python twin: ``os.chmod`` is what they do) so that its mode is 0777;
once the worker has closed the server and disconnected, the file is gone."""

import os
import shutil
import socket
import stat
import tempfile

import cluster
from must import must_call

if cluster.is_primary:
    directory = tempfile.mkdtemp(prefix="cluster-")
    path = os.path.join(directory, "server.sock")

    def on_exit(code, signal):
        try:
            assert (code, signal) == (0, None), (code, signal)
            assert not os.path.exists(path), "the socket file outlived its server"
        finally:
            shutil.rmtree(directory)

    cluster.fork({"SOCKET_PATH": path}).on("exit", must_call(on_exit))
else:
    path = os.environ["SOCKET_PATH"]
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen()
    os.chmod(path, 0o777)
    mode = os.stat(path).st_mode
    assert stat.S_ISSOCK(mode), oct(mode)
    assert stat.S_IMODE(mode) == 0o777, oct(mode)
    server.close()
    cluster.process.disconnect()
