"""The primary dies; its workers must not outlive it (test-cluster-primary-kill.js,
test-cluster-primary-error.js, and SIGKILL).

Usage: ``life_primary_death.py <how> [workers]``. The primary forks the workers, prints
``worker <pid>`` for each once all are online, then ``all online``, and then:

- ``exit``: calls cluster.process.exit(0) (Node's primary-kill: a normal exit);
- ``raise-in-callback``: raises from a cluster listener (Node's primary-error);
- ``raise-in-script``: raises from the main script;
- ``wait``: does nothing more (the test kills it with SIGKILL).

Each worker's script just ends: it lives on while its channel is open.
"""

import sys
import threading

import cluster

HOW = sys.argv[1]
COUNT = int(sys.argv[2]) if len(sys.argv) > 2 else 2

if cluster.is_primary:
    assert HOW in ("exit", "raise-in-callback", "raise-in-script", "wait"), HOW
    online = []
    all_online = threading.Event()

    def on_online(worker):
        online.append(worker)
        if len(online) < COUNT:
            return
        for each in online:
            print(f"worker {each.process.pid}")
        print("all online")
        all_online.set()
        if HOW == "exit":
            cluster.process.exit(0)
        elif HOW == "raise-in-callback":
            raise RuntimeError("accidental error")

    for _ in range(COUNT):
        worker = cluster.fork()
        # The worker's own 'online': the module's 'online' would be held behind its
        # unheard 'setup' and 'fork' events while this script still runs.
        worker.once("online", lambda worker=worker: on_online(worker))
    if HOW == "raise-in-script":
        assert all_online.wait(20), "the workers did not come online"
        raise RuntimeError("accidental error in the main script")
