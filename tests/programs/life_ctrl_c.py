"""Ctrl+C in a terminal: SIGINT reaches the primary and its 2 workers at once (the test
sends it to the whole process group).

Usage: ``life_ctrl_c.py <plain|trapped|early>``. Each worker says "ready" once its
script has run; the primary then prints ``worker <pid>`` for each worker and
``both ready``. ``early``: as ``plain``, but the primary prints ``worker <pid>`` lines and
``forked`` as soon as fork() returns, while the workers are still starting up.
``plain``: no SIGINT listener anywhere, so every process dies by SIGINT, quietly.
``trapped``: the primary listens for SIGINT and disconnects its workers; it prints how
each worker ended and exits 0 once they have.
"""

import sys

import cluster
from must import must_call

HOW = sys.argv[1]

if cluster.is_primary:
    assert HOW in ("plain", "trapped", "early"), HOW
    ready = []

    def on_message(worker, message, handle):
        assert message == "ready", message
        ready.append(worker)
        if len(ready) == 2:
            for each in ready:
                print(f"worker {each.process.pid}")
            print("both ready")

    if HOW != "early":
        cluster.on("message", must_call(on_message, 2))
    if HOW == "trapped":

        def on_sigint(name):
            assert name == "SIGINT"
            print("primary got SIGINT")
            cluster.disconnect()

        def on_exit(worker, code, signal):
            # The workers got the same Ctrl+C: in Node they die by it. A disconnect that
            # reaches a worker before its signal does would end it with 0 instead.
            assert (code, signal) in ((None, "SIGINT"), (0, None)), (code, signal)
            print(f"worker {worker.id} exit {code} {signal}")

        cluster.process.on("SIGINT", must_call(on_sigint))
        cluster.on("exit", must_call(on_exit, 2))
    forked = [cluster.fork(), cluster.fork()]
    if HOW == "early":
        for each in forked:
            print(f"worker {each.process.pid}")
        print("forked")
else:
    cluster.process.send("ready")
