"""Port of test-cluster-eaccess.js: a worker starts a child process of its own that
listens on a Unix socket path, then listens on the same path itself and gets
EADDRINUSE at its bind(); the error travels to the primary as the exception object
itself (``serialization="advanced"``, Node's error relayed over IPC) with its errno
intact, and the primary disconnects the worker, which exits 0."""

import errno
import os
import shutil
import socket
import subprocess
import sys
import tempfile

import cluster
from must import must_call

CHILD = """
import socket, sys
server = socket.socket(socket.AF_UNIX)
server.bind(sys.argv[1])
server.listen()
print("listening", flush=True)
sys.stdin.readline()
"""

if cluster.is_primary:
    directory = tempfile.mkdtemp(prefix="cluster-")
    cluster.setup_primary(serialization="advanced")
    worker = cluster.fork({"SOCKET_PATH": os.path.join(directory, "server.sock")})
    cluster.on("fork", must_call())
    worker.on("online", must_call())

    def on_message(error, handle):
        worker.disconnect()  # first, so that nothing is left behind if the checks fail
        assert isinstance(error, OSError), repr(error)
        assert error.errno == errno.EADDRINUSE, repr(error)
        print(f"primary got {errno.errorcode[error.errno]}")

    def on_exit(code, signal):
        shutil.rmtree(directory)
        assert (code, signal) == (0, None), (code, signal)

    worker.on("message", must_call(on_message))
    worker.on("exit", must_call(on_exit))
else:
    path = os.environ["SOCKET_PATH"]
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert child.stdout.readline() == b"listening\n"
    try:
        server = socket.socket(socket.AF_UNIX)
        server.bind(path)
        server.listen()
    except OSError as exc:
        cluster.process.send(exc)
    else:
        cluster.process.send("the path should have been in use")
    finally:
        child.communicate(b"end\n", timeout=10)
