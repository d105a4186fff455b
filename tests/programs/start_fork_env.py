"""Port of test-cluster-fork-env.js: ``fork(env)`` adds variables to the worker's
environment and overrides the primary's; values are converted with ``str()``."""

import os

import cluster
from must import must_call

if cluster.is_worker:
    sent = cluster.worker.send(
        {
            "prop": os.environ.get("cluster_test_prop"),
            "overwrite": os.environ.get("cluster_test_overwrite"),
            "number": os.environ.get("cluster_test_number"),
            "inherited": os.environ.get("cluster_test_inherited"),
        }
    )
    assert sent is True
else:
    # Set in the primary: one is overridden by fork(env), the other is inherited.
    os.environ["cluster_test_overwrite"] = "old"
    os.environ["cluster_test_inherited"] = "from the primary"

    worker = cluster.fork(
        {"cluster_test_prop": "custom", "cluster_test_overwrite": "new", "cluster_test_number": 42}
    )
    # The primary's own environment is not changed by fork(env).
    assert os.environ["cluster_test_overwrite"] == "old"
    assert "cluster_test_prop" not in os.environ

    def on_message(data, handle):
        assert data == {
            "prop": "custom",
            "overwrite": "new",
            "number": "42",
            "inherited": "from the primary",
        }, data
        worker.disconnect()

    worker.on("message", must_call(on_message))
    worker.on("exit", must_call(lambda code, signal: print("exit", code, signal)))
