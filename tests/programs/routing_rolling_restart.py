"""A rolling restart under steady load loses no request: two workers serve while a
client thread sends requests continuously (a new connection each); the primary replaces
each worker in turn (fork a new one, wait for its 'listening', then disconnect the old
one and wait for its exit); every request is answered, by old and new workers alike."""

import threading
import time

from routing_common import Listening, answered_by, ask, clean_exit, serve_ids

import cluster
from must import must_call

WORKERS = 2
AFTER = 50  # requests after the last restart
MAX_SECONDS = 15

if cluster.is_primary:
    listening = Listening()
    cluster.on("exit", must_call(clean_exit, 2 * WORKERS))
    originals = [cluster.fork() for _ in range(WORKERS)]
    address = listening.wait_all(WORKERS)
    answers: list[int] = []
    failures: list[str] = []
    restarted = threading.Event()

    def load():
        deadline = time.monotonic() + MAX_SECONDS
        after = 0
        while after < AFTER and time.monotonic() < deadline:
            try:
                answers.append(answered_by(ask(("127.0.0.1", address.port))))
            except (OSError, ValueError) as exc:
                failures.append(repr(exc))
            if restarted.is_set():
                after += 1

    client = threading.Thread(target=load)
    client.start()
    before = len(answers) + len(failures)
    for old in originals:
        new = cluster.fork()
        listening.wait(new)
        gone = threading.Event()
        old.on("exit", lambda code, signal, gone=gone: gone.set())
        old.disconnect()
        assert gone.wait(10), f"worker {old.id} did not exit"
    during = len(answers) + len(failures) - before
    restarted.set()
    client.join()
    served = sorted(set(answers))
    print(f"{len(answers)} answered, {len(failures)} failed, by workers {served}")
    assert during >= 10, f"only {during} requests were made during the restarts"
    assert not failures, failures[:5]
    assert served == [1, 2, 3, 4], served
    cluster.disconnect(must_call())
else:
    serve_ids()
