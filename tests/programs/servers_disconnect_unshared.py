"""Ports of test-cluster-disconnect-unshared-tcp.js (``tcp``: SCHED_NONE chosen through
NODE_CLUSTER_SCHED_POLICY=none) and test-cluster-disconnect-unshared-udp.js (``udp``):
one worker never listens; once a second worker listens (TCP) or is bound (UDP), the
first is disconnected and, from its 'disconnect' listener, the whole cluster; every
worker exits 0 and the primary ends."""

import os
import sys

KIND = sys.argv[1]
if KIND == "tcp":
    os.environ["NODE_CLUSTER_SCHED_POLICY"] = "none"  # before the cluster is imported

import socket  # noqa: E402

import cluster  # noqa: E402
from must import must_call  # noqa: E402

if cluster.is_primary:
    if KIND == "tcp":
        assert cluster.scheduling_policy == cluster.SCHED_NONE, cluster.scheduling_policy

    def bind():
        bound = cluster.fork({"BOUND": "y"})
        bound.on("listening", must_call(disconnect))

    def disconnect(address):
        unbound.disconnect()
        unbound.on("disconnect", must_call(cluster.disconnect))

    def on_exit(worker, code, signal):
        assert (code, signal) == (0, None), (worker.id, code, signal)

    unbound = cluster.fork()
    unbound.on("online", must_call(bind))
    cluster.on("exit", must_call(on_exit, 2))
elif os.environ.get("BOUND") == "y":
    if KIND == "tcp":
        source = socket.create_server(("127.0.0.1", 0))
    else:
        source = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        source.bind(("127.0.0.1", 0))
