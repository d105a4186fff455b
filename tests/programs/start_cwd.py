"""Port of test-cluster-cwd.js: workers start in the primary's directory unless
``setup_primary(cwd=...)`` names another. The other directory is ``sys.argv[1]``."""

import os
import sys

import cluster
from must import must_call

if cluster.is_worker:
    cluster.process.send(os.getcwd())
    cluster.process.disconnect()
else:
    other = os.path.realpath(sys.argv[1])
    assert other != os.path.realpath(os.getcwd())

    assert cluster.settings.get("cwd") is None
    first = cluster.fork()
    assert "cwd" not in cluster.settings  # fork() fills the defaults; cwd is not one

    def first_reports(cwd, handle):
        assert cwd == os.getcwd(), (cwd, os.getcwd())
        print("worker 1 in the primary's directory")

    first.on("message", must_call(first_reports))

    cluster.setup_primary(cwd=sys.argv[1])
    assert cluster.settings["cwd"] == sys.argv[1]
    second = cluster.fork()

    def second_reports(cwd, handle):
        assert os.path.realpath(cwd) == other, (cwd, other)
        print("worker 2 in the other directory")

    second.on("message", must_call(second_reports))

    def exited(worker, code, signal):
        assert (code, signal) == (0, None), (worker.id, code, signal)

    cluster.on("exit", must_call(exited, 2))
