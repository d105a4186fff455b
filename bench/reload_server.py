"""The Python side of bench/reload.py: ``cluster.supervisor.Supervisor`` serving
http_server.py's minimal server.

    python reload_server.py --workers N --port P

SIGHUP is the supervisor's own rolling reload (ready-gated: each new worker listens
before its predecessor is taken out of the rotation and drained). Prints JSON lines:
``{"event": "ready"}`` once N workers are ready, ``{"event": "reload_start"}`` and
``{"event": "reload_done", "completed": ...}`` once the reload has ended *and* every
old worker has exited (as the Node twin's loop ends), and, after stdin closes,
``{"event": "stopped"}`` once the supervisor has stopped.
"""

from __future__ import annotations

import os
import sys
import threading

from http_server import emit, option, serve

import cluster
from cluster.supervisor import Supervisor


def primary(count: int) -> int:
    supervisor = Supervisor(workers=count)
    seen = {"ready": 0, "drained": 0, "ended": None}

    def on_ready(worker: cluster.Worker) -> None:
        seen["ready"] += 1
        if seen["ready"] == count:
            emit(event="ready", pid=os.getpid())

    def on_exit(worker: cluster.Worker, code: object, signal: object, reason: str) -> None:
        if reason == "reload":
            seen["drained"] += 1
            maybe_done()

    def on_reload_end(completed: bool) -> None:
        seen["ended"] = completed
        maybe_done()

    def maybe_done() -> None:
        if seen["ended"] is not None and seen["drained"] == count:
            emit(event="reload_done", completed=seen["ended"])
            seen.update(ended=None, drained=0)

    supervisor.on("ready", on_ready)
    supervisor.on("exit", on_exit)
    supervisor.on("reloadStart", lambda: emit(event="reload_start"))
    supervisor.on("reloadEnd", on_reload_end)
    supervisor.on("stop", lambda status: emit(event="stopped"))
    threading.Thread(target=lambda: (sys.stdin.read(), supervisor.stop()), daemon=True).start()
    return supervisor.run()


if __name__ == "__main__":
    if cluster.is_worker:
        serve(single=False)
    else:
        sys.exit(primary(int(option("--workers", "4"))))
