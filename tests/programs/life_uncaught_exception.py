"""Port of test-cluster-uncaught-exception.js: a handler the user installs for uncaught
exceptions (sys.excepthook, Python's 'uncaughtException') takes precedence over the
cluster's own, so the primary exits with the code that handler chose."""

import sys

import cluster
from must import must_call

MAGIC_EXIT_CODE = 42

if cluster.is_primary:

    def on_uncaught(kind, exc, tb):
        assert str(exc) == "kill primary"
        cluster.process.exit(MAGIC_EXIT_CODE)

    sys.excepthook = must_call(on_uncaught)
    cluster.fork()
    raise RuntimeError("kill primary")
else:
    cluster.process.exit()
