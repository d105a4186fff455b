"""Every way a worker can end, as the primary sees it (tests/node/FINDINGS.md §1-12).

Usage: ``life_ends.py <how>``. The primary prints one line per event it hears, on the
worker first and then on the module, with a snapshot of the worker (state,
exited_after_disconnect, is_connected(), is_dead(), membership in cluster.workers);
the test compares the lines with what Node 20 does. ``<how>`` reaches the worker as its
argument too (the default ``settings["args"]``).

Primary-side ways: ``kill`` (worker.kill()), ``kill-sigkill`` (worker.kill("SIGKILL")),
``external-sigkill`` (os.kill(pid, SIGKILL)), ``primary-disconnect``
(worker.disconnect()), ``idle-ends`` (the worker's script just ends; after a quiet
while the primary disconnects it). Worker-side ways: ``self-disconnect``
(cluster.worker.disconnect()), ``self-kill`` (cluster.worker.kill()),
``process-disconnect`` (cluster.process.disconnect()), ``process-exit``
(cluster.process.exit(42)), ``sys-exit`` (sys.exit(5)), ``uncaught`` (an exception).
"""

import os
import signal
import sys
import threading

import psutil

import cluster
from must import must_call, must_not_call

HOW = sys.argv[1]
PRIMARY_SIDE = {"kill", "kill-sigkill", "external-sigkill", "primary-disconnect", "idle-ends"}
QUIET_SECONDS = 0.5  # idle-ends: how long the worker must be seen to stay alive


def snapshot(worker):
    return (
        f"state={worker.state} ead={worker.exited_after_disconnect} "
        f"connected={worker.is_connected()} dead={worker.is_dead()} "
        f"in_workers={cluster.workers.get(worker.id) is worker}"
    )


if cluster.is_primary:
    assert HOW in PRIMARY_SIDE or HOW in {
        "self-disconnect",
        "self-kill",
        "process-disconnect",
        "process-exit",
        "sys-exit",
        "uncaught",
    }, HOW
    worker = cluster.fork()
    assert worker.state == "none"
    assert worker.exited_after_disconnect is None
    assert worker.is_connected() and not worker.is_dead()
    assert cluster.workers[worker.id] is worker
    last_worker_event = []

    def on_worker(event):
        def listener(*args):
            shown = "".join(f" {arg}" for arg in args)
            print(f"worker.{event}{shown} {snapshot(worker)}")
            last_worker_event.append(event)

        return listener

    def on_cluster(event):
        def listener(who, *args):
            assert who is worker
            # Node emits on the worker first, then on the module.
            assert last_worker_event and last_worker_event[-1] == event, last_worker_event
            shown = "".join(f" {arg}" for arg in args)
            print(f"cluster.{event}{shown} {snapshot(who)}")

        return listener

    for event in ("online", "disconnect", "exit"):
        worker.on(event, must_call(on_worker(event)))
        cluster.on(event, must_call(on_cluster(event)))

    def exit_matches_process(code, sig):
        assert (code, sig) == (worker.process.exit_code, worker.process.signal_code)

    worker.on("exit", must_call(exit_matches_process))
    if HOW != "idle-ends":
        cluster.on("message", must_not_call("cluster 'message'"))

    def act():
        if HOW == "kill":
            assert worker.kill() is None
        elif HOW == "kill-sigkill":
            worker.kill("SIGKILL")
        elif HOW == "external-sigkill":
            os.kill(worker.process.pid, signal.SIGKILL)
        elif HOW in ("primary-disconnect", "idle-ends"):
            assert worker.disconnect() is worker
        print(f"after {'primary-disconnect' if HOW == 'idle-ends' else HOW} {snapshot(worker)}")

    if HOW == "idle-ends":
        # The worker's script ends right after 'online'. Nothing may happen for a while;
        # then the primary asks whether it is still there, and disconnects it.
        def still_there(message, handle):
            assert message == "still here"
            process = worker.process.psutil
            assert process.is_running() and process.status() != psutil.STATUS_ZOMBIE
            print(f"after a quiet while {snapshot(worker)}")
            act()

        quiet = threading.Timer(QUIET_SECONDS, lambda: worker.send("still there?"))
        worker.once("online", lambda: quiet.start())
        worker.on("message", must_call(still_there))
    elif HOW in PRIMARY_SIDE:
        cluster.once("online", lambda who: act())
else:
    me = cluster.worker
    assert me.state == "online" and me.is_connected() and not me.is_dead()
    assert "NODE_UNIQUE_ID" not in os.environ
    if HOW in {"primary-disconnect", "idle-ends", "self-disconnect"}:
        # A disconnect the worker knows about: both events, then a natural exit 0.
        me.on("disconnect", must_call())
        cluster.process.on("disconnect", must_call())
    elif HOW == "self-kill":
        me.on("disconnect", must_call())
    elif HOW == "process-disconnect":
        # Node's cluster exits at once: the user's 'disconnect' listener never runs.
        me.on("disconnect", must_call())
        cluster.process.on("disconnect", must_not_call("process 'disconnect'"))

    if HOW == "self-disconnect":
        assert me.disconnect() is me
        assert me.state == "disconnecting"
        assert me.disconnect() is me  # a second call changes nothing
    elif HOW == "self-kill":
        assert me.kill() is None
        assert me.state == "destroying" and me.exited_after_disconnect is True
    elif HOW == "process-disconnect":
        cluster.process.disconnect()
        assert not me.is_connected() and me.exited_after_disconnect is None
    elif HOW == "process-exit":
        cluster.process.exit(42)
    elif HOW == "sys-exit":
        sys.exit(5)
    elif HOW == "idle-ends":
        cluster.process.on("message", lambda message, handle: cluster.process.send("still here"))
    elif HOW == "uncaught":
        raise RuntimeError("boom in the worker")
