"""Node's cluster docs, ``worker.exitedAfterDisconnect``: a voluntary exit or
not?

As in Node 20, ``worker.kill()`` in the primary only sends the signal: the
killed worker's ``exited_after_disconnect`` is False, so Node's example prints
nothing for it. A worker that leaves through ``worker.disconnect()`` is the
voluntary one; this program has one of each.
"""

import cluster

if cluster.is_primary:

    @cluster.on("exit")
    def on_exit(worker, code, signal):
        if worker.exited_after_disconnect is True:
            print("Oh, it was just voluntary – no need to worry")
        else:
            print(
                f"worker #{worker.id}: exited_after_disconnect is "
                f"{worker.exited_after_disconnect} ({signal or code})"
            )

    worker = cluster.fork()
    # kill worker
    worker.kill()

    # disconnect another one
    cluster.fork().disconnect()
