"""Port of test-cluster-worker-no-exit.js (partial): a disconnected worker does not exit
while something of its own still runs (Node: an open connection keeps its event loop
alive; Python: a non-daemon thread reading from a connection keeps the interpreter
alive), and exits once that connection is closed.

The primary listens on 127.0.0.1 itself (the primary's servers are its own), the worker
connects to it from a thread, the primary disconnects the worker, waits a moment, then
closes the connection: the worker's 'exit' must come after that.
"""

import socket
import threading

import cluster
from must import must_call

HOLD_SECONDS = 0.5

if cluster.is_primary:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(20)
    port = server.getsockname()[1]
    worker = cluster.fork()
    state = {"destroyed": False}

    def serve():
        conn, _ = server.accept()
        server.close()

        def close_connection():
            state["destroyed"] = True
            conn.close()

        def on_disconnect():
            threading.Timer(HOLD_SECONDS, close_connection).start()

        worker.once("disconnect", must_call(on_disconnect))
        worker.disconnect()

    def on_exit(code, signal):
        assert state["destroyed"], "worker exited before its connection was closed"
        assert (code, signal) == (0, None), (code, signal)

    worker.once("exit", must_call(on_exit))
    worker.once("online", must_call(lambda: worker.send({"port": port})))
    threading.Thread(target=serve).start()
else:

    def hold(port):
        with socket.create_connection(("127.0.0.1", port)) as conn:
            while conn.recv(1024):
                pass

    def on_message(message, handle):
        # Not a daemon: while it reads, the process must not end.
        threading.Thread(target=hold, args=(message["port"],), daemon=False).start()

    cluster.process.on("message", on_message)
