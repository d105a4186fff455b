"""Monkey-patching after ``import cluster`` in a worker does not spoil its exit (issue
13): ``green_patch_late.py <gevent|eventlet> <primary|worker>``.

Each of two workers imports cluster (its I/O thread starts), then patches with
``monkey.patch_all()`` / ``eventlet.monkey_patch()``, which replaces
``threading.get_ident`` under that running thread, runs a greenlet and a (now green)
``threading.Thread`` to the end, and says ``patched``. ``primary``: once both have,
the primary calls ``cluster.disconnect()``. ``worker``: each worker calls
``cluster.worker.disconnect()`` itself. Either way every worker must exit 0 with
``exited_after_disconnect`` True, and quietly: no ``KeyError`` from
``threading._delete``, no "Exception ignored" (the test reads stderr). The primary
prints ``exit <id> <code> <signal> <exited_after_disconnect>`` for each.
"""

import sys
import threading

import cluster
from must import must_call

LIBRARY, ENDING = sys.argv[1:3]
WORKERS = 2

if cluster.is_primary:
    patched = []

    def on_message(worker, message, handle):
        assert message == "patched", message
        patched.append(worker.id)
        if len(patched) == WORKERS and ENDING == "primary":
            cluster.disconnect(must_call())

    def on_exit(worker, code, signal):
        ead = worker.exited_after_disconnect
        print(f"exit {worker.id} {code} {signal} {ead}")
        assert (code, signal, ead) == (0, None, True), (code, signal, ead)

    cluster.on("message", must_call(on_message, WORKERS))
    cluster.on("exit", must_call(on_exit, WORKERS))
    for _ in range(WORKERS):
        cluster.fork()
else:
    if LIBRARY == "gevent":
        import gevent
        from gevent import monkey

        monkey.patch_all()
        gevent.spawn(gevent.sleep, 0.01).join()
    else:
        import eventlet

        eventlet.monkey_patch()
        eventlet.spawn(eventlet.sleep, 0.01).wait()
    ran = []
    thread = threading.Thread(target=ran.append, args=("ran",))
    thread.start()
    thread.join()
    assert ran == ["ran"], ran
    cluster.process.send("patched")
    if ENDING == "worker":
        cluster.worker.disconnect()
