"""Port of test-cluster-worker-exit.js (the worker exits from a listening HTTP server): a
worker that calls ``cluster.process.exit(42)`` once its server listens gives exactly one
'disconnect' and one 'exit' on the worker and on the module, code 42 and no signal,
state 'disconnected' and exited_after_disconnect False at 'disconnect', and its process
is gone at 'exit'. The server goes with it: the primary then ends by itself."""

from http.server import BaseHTTPRequestHandler, HTTPServer

import cluster
from must import must_call

EXIT_CODE = 42

if cluster.is_primary:
    worker = cluster.fork()
    seen = {}

    def on_listening(address):
        seen["process"] = worker.process.psutil  # taken while it runs: safe from pid reuse
        seen["listening"] = worker.state

    def on_disconnect():
        seen["state"] = worker.state
        seen["exited_after_disconnect"] = worker.exited_after_disconnect

    def on_worker_exit(code, signal):
        seen["worker"] = (code, signal)
        seen["died"] = not seen["process"].is_running()

    def on_cluster_exit(who, code, signal):
        assert who is worker
        seen["cluster"] = (who.process.exit_code, who.process.signal_code)

    def check(*args):
        assert seen == {
            "process": seen.get("process"),
            "listening": "listening",
            "state": "disconnected",
            "exited_after_disconnect": False,
            "worker": (EXIT_CODE, None),
            "died": True,
            "cluster": (EXIT_CODE, None),
        }, seen
        print("checked")

    worker.on("listening", must_call(on_listening))
    cluster.on("disconnect", must_call())
    cluster.on("exit", must_call(on_cluster_exit))
    worker.on("disconnect", must_call(on_disconnect))
    worker.on("exit", must_call(on_worker_exit))
    cluster.on("exit", must_call(check))
else:
    server = HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    cluster.process.exit(EXIT_CODE)
