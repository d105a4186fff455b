"""Port of test-cluster-setup-primary.js: ``args`` and ``silent`` from
``setup_primary`` reach both workers, ``exec`` still defaults to this script, and a
'setup' listener added after the call still hears it."""

import os
import sys

import cluster
from must import must_call

TOTAL = 2

if cluster.is_worker:
    cluster.process.send(sys.argv[1])  # an idle worker stays alive while connected
else:
    cluster.setup_primary(args=["custom argument"], silent=True)

    def on_setup(settings):
        current = cluster.settings
        assert current["args"] == ["custom argument"], current
        assert current["silent"] is True
        assert current["exec"] == os.path.abspath(sys.argv[0])
        assert settings["args"] == ["custom argument"] and settings["silent"] is True

    cluster.once("setup", must_call(on_setup))

    received: list[str] = []

    def on_online(worker):
        def on_message(data, handle):
            received.append(data)
            worker.kill()

        worker.once("message", must_call(on_message))

    cluster.on("online", must_call(on_online, TOTAL))

    cluster.fork()
    cluster.fork()

    exits: list[int] = []

    def on_exit(worker, code, signal):
        assert signal == "SIGTERM", (code, signal)
        exits.append(worker.id)
        if len(exits) == TOTAL:
            assert received == ["custom argument"] * TOTAL, received
            print("both workers got", received[0])

    cluster.on("exit", must_call(on_exit, TOTAL))
