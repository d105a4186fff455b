"""docs/node-differences.md ("Held events"): a primary whose main script never ends
and that listens to each of the module's events, if only with a listener that does
nothing, keeps nothing of the workers that have come and gone.

The main thread blocks (as a serve_forever() would) while 30 workers are started one
after another from the 'exit' listener, each exiting as soon as it runs. Then every
Worker object but the last (whose 'exit' may still be going out when the main thread
wakes) must have been freed."""

import gc
import threading
import weakref

import cluster

ROUNDS = 30

if cluster.is_worker:
    cluster.process.exit(0)
else:
    for event in ("fork", "online", "listening", "disconnect", "exit", "setup"):
        cluster.on(event, lambda *args: None)  # heard, so nothing is held
    done = threading.Event()
    workers = []

    def start() -> None:
        workers.append(weakref.ref(cluster.fork()))

    def on_exit(worker, code, signal):
        assert (code, signal) == (0, None), (code, signal)
        if len(workers) < ROUNDS:
            start()
        else:
            done.set()

    cluster.on("exit", on_exit)
    start()
    assert done.wait(60), f"only {len(workers)} workers ran"
    gc.collect()
    kept = [ref() for ref in workers[:-1] if ref() is not None]
    assert not kept, f"{len(kept)} of {ROUNDS - 1} exited workers still in memory: {kept[:3]}"
    print("exited workers freed:", ROUNDS - 1)
