"""Port of test-cluster-worker-kill.js: the worker's process is killed with SIGKILL from
outside the cluster; the primary hears one 'disconnect' and then one 'exit' on the worker
and on the module, with code None and signal 'SIGKILL', state 'disconnected' and
exited_after_disconnect False, and the process is gone.

(Node waits for the worker's server to listen before killing it; this worker is killed
once it is online.)
"""

import cluster
from must import must_call

if cluster.is_primary:
    worker = cluster.fork()
    counts = {"cluster.disconnect": 0, "cluster.exit": 0, "worker.disconnect": 0, "worker.exit": 0}
    seen = {}

    def on_online():
        seen["process"] = worker.process.psutil
        worker.process.kill("SIGKILL")

    def on_cluster_disconnect(who):
        counts["cluster.disconnect"] += 1

    def on_cluster_exit(who, code, signal):
        counts["cluster.exit"] += 1
        assert counts["cluster.disconnect"] == 1, "cluster: 'exit' before 'disconnect'"
        assert (who.process.exit_code, who.process.signal_code) == (None, "SIGKILL")

    def on_worker_disconnect():
        counts["worker.disconnect"] += 1
        seen["state"] = worker.state
        seen["exited_after_disconnect"] = worker.exited_after_disconnect

    def on_worker_exit(code, signal):
        counts["worker.exit"] += 1
        assert counts["worker.disconnect"] == 1, "worker: 'exit' before 'disconnect'"
        assert (code, signal) == (None, "SIGKILL"), (code, signal)
        assert not seen["process"].is_running()
        assert seen["state"] == "disconnected"
        assert seen["exited_after_disconnect"] is False

    worker.once("online", must_call(on_online))
    cluster.on("disconnect", must_call(on_cluster_disconnect))
    cluster.on("exit", must_call(on_cluster_exit))
    worker.on("disconnect", must_call(on_worker_disconnect))
    worker.on("exit", must_call(on_worker_exit))

    def all_counted(*args):
        assert all(count == 1 for count in counts.values()), counts
        print("checked")

    cluster.on("exit", must_call(all_counted))
