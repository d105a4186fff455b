"""docs/node-differences.md ("Held events"): what a primary whose main script never
ends holds of the events nobody listens to. This primary's main thread never lets its
script end (it waits, as a serve_forever() would); 30 workers come and go one after
another, started from the 'exit' listener, each exiting as soon as it runs.

``heard``: the primary gives each of the module's events a listener that does nothing.
Nothing is held, so every exited worker is freed (all but the last, whose 'exit' may
still be going out when the main thread wakes).

``bounded``: nobody listens but to 'exit'.
1. 1,050 setup_primary() calls first: 1,000 'setup' occurrences are held, the oldest
   50 go (with a RuntimeWarning); a listener added then hears the 1,000 latest, in
   order, and then the next one.
2. The module holds the latest few workers' 'fork', 'online' and 'disconnect', and
   every older exited worker is freed with what was held for it (events are held for
   a worker only while the program can still reach it). The limit is made 5 here, so
   that the test need not start 1,000 workers."""

import gc
import sys
import threading
import weakref

import cluster
import cluster._loop

ROUNDS = 30
SETUP_CALLS = 1_050


def cycle_workers() -> list:
    """Start ROUNDS workers one after another; weak references to all of them."""
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
    return workers


def assert_freed(refs: list) -> None:
    kept = [ref() for ref in refs if ref() is not None]
    assert not kept, f"{len(kept)} of {len(refs)} exited workers still in memory: {kept[:3]}"
    print("exited workers freed:", len(refs))


def hold_setup_past_the_limit() -> None:
    for n in range(SETUP_CALLS):
        cluster.setup_primary(args=[str(n)])
    heard = []
    last_heard = threading.Event()

    def on_setup(settings):
        if settings["args"]:  # (forks emit 'setup' too, with no args)
            heard.append(int(settings["args"][0]))
            if heard[-1] == SETUP_CALLS:
                last_heard.set()

    cluster.on("setup", on_setup)
    cluster.setup_primary(args=[str(SETUP_CALLS)])
    assert last_heard.wait(10), f"heard {len(heard)} 'setup' events"
    assert heard == list(range(SETUP_CALLS - 1_000, SETUP_CALLS + 1)), (heard[:3], len(heard))
    print("setup events heard after the limit:", len(heard))
    cluster.setup_primary(args=[])


if cluster.is_worker:
    cluster.process.exit(0)
elif sys.argv[1] == "heard":
    for event in ("fork", "online", "listening", "disconnect", "exit", "setup"):
        cluster.on(event, lambda *args: None)  # heard, so nothing is held
    assert_freed(cycle_workers()[:-1])
else:
    hold_setup_past_the_limit()
    cluster._loop.MAX_HELD_EVENTS = 5
    assert_freed(cycle_workers()[: ROUNDS - 6])  # not the 5 still held, nor the last
