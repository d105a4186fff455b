"""Port of test-cluster-worker-exit.js, without the server: a worker that calls
``cluster.process.exit(42)`` gives exactly one 'disconnect' and one 'exit' on the worker
and on the module, code 42 and no signal, state 'disconnected' and
exited_after_disconnect False at 'disconnect', and its process is gone at 'exit'.

(Node's worker exits from its server's 'listening' callback; servers are another area,
so this worker exits once the primary has seen it online.)
"""

import cluster
from must import must_call

EXIT_CODE = 42

if cluster.is_primary:
    worker = cluster.fork()
    seen = {}

    def on_online():
        seen["process"] = worker.process.psutil  # taken while it runs: safe from pid reuse
        worker.send("exit now")

    def on_disconnect():
        seen["state"] = worker.state
        seen["exited_after_disconnect"] = worker.exited_after_disconnect

    def on_worker_exit(code, signal):
        seen["worker"] = (code, signal)
        seen["died"] = not seen["process"].is_running()

    def on_cluster_exit(who, code, signal):
        assert who is worker
        seen["cluster"] = (who.process.exit_code, who.process.signal_code)

    def check():
        assert seen == {
            "process": seen["process"],
            "state": "disconnected",
            "exited_after_disconnect": False,
            "worker": (EXIT_CODE, None),
            "died": True,
            "cluster": (EXIT_CODE, None),
        }, seen
        print("checked")

    worker.once("online", must_call(on_online))
    cluster.on("disconnect", must_call())
    cluster.on("exit", must_call(on_cluster_exit))
    worker.on("disconnect", must_call(on_disconnect))
    worker.on("exit", must_call(on_worker_exit))
    cluster.on("exit", must_call(lambda *args: check()))
else:

    def on_message(message, handle):
        cluster.process.exit(EXIT_CODE)

    cluster.process.on("message", must_call(on_message))
