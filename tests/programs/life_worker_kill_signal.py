"""Port of test-cluster-worker-kill-signal.js: worker.kill("SIGKILL") from the primary
ends the worker by that signal: one 'disconnect' (state 'disconnected',
exited_after_disconnect False) and one 'exit' (None, 'SIGKILL'), the process is gone and
cluster.workers is empty by the module's 'exit'.

(Node kills the worker once its server listens; this worker is killed once online.)
"""

import cluster
from must import must_call

KILL_SIGNAL = "SIGKILL"

if cluster.is_primary:
    worker = cluster.fork()
    results = {"disconnects": 0, "exits": 0}

    def on_online():
        results["process"] = worker.process.psutil
        worker.kill(KILL_SIGNAL)

    def on_disconnect():
        results["disconnects"] += 1
        results["exited_after_disconnect"] = worker.exited_after_disconnect
        results["state"] = worker.state

    def on_exit(code, signal):
        results["exits"] += 1
        results["code"], results["signal"] = code, signal
        results["died"] = not results["process"].is_running()

    def check(who, code, signal):
        expected = {
            "disconnects": 1,
            "exits": 1,
            "state": "disconnected",
            "exited_after_disconnect": False,
            "died": True,
            "code": None,
            "signal": KILL_SIGNAL,
        }
        actual = {key: results.get(key) for key in expected}
        assert actual == expected, actual
        assert cluster.workers == {}, cluster.workers
        print("checked")

    worker.once("online", must_call(on_online))
    worker.on("disconnect", must_call(on_disconnect))
    worker.once("exit", must_call(on_exit))
    cluster.on("exit", must_call(check))
