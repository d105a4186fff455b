"""Node's cluster docs, ``cluster.setupPrimary()``: workers that run another
program.

Both workers run ``doc_cluster_setup_primary_worker.py`` (Node's ``worker.js``)
with other arguments. Settings merge over the ones in force, so ``silent=True``
from the first call still holds for the second worker: both write into pipes,
which the primary reads when they exit.
"""

import os

import cluster

here = os.path.dirname(os.path.abspath(__file__))
worker_py = os.path.join(here, "doc_cluster_setup_primary_worker.py")

cluster.setup_primary(
    exec=worker_py,
    args=["--use", "https"],
    silent=True,
)
cluster.fork()  # https worker
cluster.setup_primary(
    exec=worker_py,
    args=["--use", "http"],
)
cluster.fork()  # http worker


@cluster.on("exit")
def on_exit(worker, code, signal):
    output = worker.process.stdout.read().decode().strip()
    print(f"worker #{worker.id} wrote: {output}")


print("settings:", {name: cluster.settings[name] for name in ("args", "silent")})
