"""Node's cluster docs, ``cluster.worker``.

Each worker leaves once it has spoken (``cluster.worker.disconnect()``), so that
the program ends.
"""

import cluster

if cluster.is_primary:
    print("I am primary")
    cluster.fork()
    cluster.fork()

elif cluster.is_worker:
    print(f"I am worker #{cluster.worker.id}")
    cluster.worker.disconnect()
