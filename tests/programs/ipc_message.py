"""Port of test-cluster-message.js: messages flow both ways. The primary's worker
'message', the module's 'message'(worker, message, handle) and, in the worker,
``process`` 'message' and ``cluster.worker`` 'message' all get the right payloads;
the worker confirms what it got over a TCP side channel.

Node's worker listens for the side channel; here the primary owns it
(``socket.create_server`` on 127.0.0.1), the worker connects as a client, and a
thread of the primary reads it.
"""

import json
import os
import socket
import threading

import cluster
from must import in_thread, must_call

if cluster.is_worker:
    side = socket.create_connection(("127.0.0.1", int(os.environ["SIDE_PORT"])), timeout=10)
    lock = threading.Lock()
    got: dict = {}

    def report(source: str, message) -> None:
        with lock:
            got[source] = message
            if len(got) == 2:
                reply = {"code": "received message", "echo": got}
                side.sendall((json.dumps(reply) + "\n").encode())

    def on_process_message(message, handle):
        assert handle is None
        report("process", message)
        cluster.process.send("message from worker")

    cluster.process.on("message", on_process_message)
    cluster.worker.on("message", lambda message, handle: report("worker", message))
else:
    server = socket.create_server(("127.0.0.1", 0))
    worker = cluster.fork({"SIDE_PORT": server.getsockname()[1]})
    checks: dict = {}
    lock = threading.Lock()

    def check(name: str, value) -> None:
        with lock:
            checks[name] = value
            if len(checks) == 3:
                worker.kill()

    def on_worker_message(message, handle):
        assert handle is None
        check("primary", message)

    def on_module_message(worker_, message, handle):
        assert worker_ is worker
        assert handle is None
        check("global", message)

    worker.on("message", must_call(on_worker_message))
    cluster.on("message", must_call(on_module_message))

    def side_channel() -> None:
        server.settimeout(10)
        connection, _ = server.accept()
        server.close()
        with connection:
            assert worker.send("message from primary") is True
            check("worker", json.loads(connection.makefile().readline()))

    in_thread(side_channel)

    def on_exit(code, signal):
        assert checks == {
            "primary": "message from worker",
            "global": "message from worker",
            "worker": {
                "code": "received message",
                "echo": {"process": "message from primary", "worker": "message from primary"},
            },
        }, checks
        print("all three checks passed")

    worker.on("exit", must_call(on_exit))
