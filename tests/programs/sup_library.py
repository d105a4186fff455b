"""The supervisor as a library, in a primary script that is also the worker's program.

The primary supervises 2 workers and follows its events: once both are ready it kills
one (SIGKILL), expects 'exit' with reason 'crash' and a 'spawn' with reason
'restart', reloads (the old workers' 'exit' says 'reload'), and stops once the reload
is done (the new workers' 'exit' says 'stop'); ``run()`` returns 0.
"""

import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

import cluster
from cluster.supervisor import Supervisor
from must import must_call

if cluster.is_primary:
    supervisor = Supervisor(workers=2, backoff=0.05)
    reasons: list[str] = []
    ready: list[int] = []

    def on_ready(worker: cluster.Worker) -> None:
        ready.append(worker.id)
        if len(ready) == 2:
            os.kill(worker.process.pid, signal.SIGKILL)
        elif len(ready) == 3:
            supervisor.reload()

    def on_exit(worker: cluster.Worker, code: int | None, sig: str | None, reason: str) -> None:
        reasons.append(reason)
        print(f"exit {worker.id} {code} {sig} {reason}")

    def on_reload_end(completed: bool) -> None:
        assert completed
        supervisor.stop()

    spawns: list[str] = []
    supervisor.on("spawn", lambda worker, reason: spawns.append(reason))
    supervisor.on("ready", on_ready)
    supervisor.on("exit", on_exit)
    supervisor.on("reloadStart", must_call(lambda: None))
    supervisor.on("reloadEnd", must_call(on_reload_end))
    supervisor.on("stop", must_call(lambda status: print(f"stopped {status}")))
    status = supervisor.run()
    assert reasons[0] == "crash", reasons
    # The old workers may still be draining when the stop begins: any order.
    assert sorted(reasons[1:]) == ["reload", "reload", "stop", "stop"], reasons
    assert spawns == ["start", "start", "restart", "reload", "reload"], spawns
    assert supervisor.phase == "stopped"
    sys.exit(status)
else:

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(204)
            self.end_headers()

    HTTPServer(("127.0.0.1", 0), Handler).serve_forever()
