"""Port of test-cluster-fork-stdio.js, in spirit: the primary talks to a worker over
pipes that ``setup_primary`` asked for, and the worker echoes what it reads.

Node's test adds a fifth stdio entry; this port supports stdin/stdout/stderr only, so
the echo goes over the worker's own stdin and stdout. ``sys.argv[1]`` picks how the
pipes are asked for: ``stdio`` (``stdio=['pipe', 'pipe', 'pipe', 'ipc']``) or
``silent`` (``silent=True``).
"""

import sys

import cluster
from must import must_call

MODE = sys.argv[1]
PAYLOAD = "foobar"

if cluster.is_worker:
    line = sys.stdin.readline()
    sys.stdout.write(line)
    sys.stdout.flush()
    sys.stderr.write(f"worker {cluster.worker.id} stderr\n")
    sys.stderr.flush()
else:
    if MODE == "stdio":
        cluster.setup_primary(stdio=["pipe", "pipe", "pipe", "ipc"])
    else:
        cluster.setup_primary(silent=True)

    worker = cluster.fork()

    def exited(code, signal):
        assert (code, signal) == (0, None), (code, signal)

    worker.on("exit", must_call(exited))

    process = worker.process
    assert process.stdin is not None and process.stdout is not None
    assert process.stderr is not None
    process.stdin.write((PAYLOAD + "\n").encode())
    process.stdin.flush()
    echoed = process.stdout.readline().decode()
    assert echoed == PAYLOAD + "\n", echoed
    error_line = process.stderr.readline().decode()
    assert error_line == "worker 1 stderr\n", error_line
    print("echoed", echoed.strip())
    worker.disconnect()
