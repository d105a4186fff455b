"""Recipe: restart every worker with no downtime (``kill -HUP <primary pid>``).

One worker at a time: fork its replacement, wait until the replacement listens,
then disconnect the old worker, which finishes the requests it has and exits.
The port never closes: the primary owns it, and there is always a worker
listening. A worker that dies on its own is replaced at once; one that was
disconnected on purpose is not.

Run it, ``curl http://localhost:8000`` (``PORT`` picks another port), then
``kill -HUP`` the primary and ``curl`` again: new pids. Ctrl+C stops the
program.
"""

import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cluster

process = cluster.process
port = int(os.environ.get("PORT", 8000))

if cluster.is_primary:
    print(f"Primary {process.pid} is running")

    for _ in range(cluster.available_parallelism()):
        cluster.fork()

    @cluster.on("exit")
    def on_exit(worker, code, signal):
        if not worker.exited_after_disconnect:
            print(f"worker {worker.id} died ({signal or code}), replacing it")
            cluster.fork()

    def restart_all():
        old_workers = list(cluster.workers.values())

        def replace_next():
            if not old_workers:
                print("every worker restarted")
                return
            old = old_workers.pop(0)
            new = cluster.fork()

            def on_listening(address):
                print(f"worker {new.id} listens, disconnecting worker {old.id}")
                old.disconnect()

            new.once("listening", on_listening)
            old.once("exit", lambda code, signal: replace_next())

        replace_next()

    @process.on("SIGHUP")
    def on_sighup(signal):
        print("SIGHUP: restarting every worker")
        restart_all()

else:

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(f"Hello from worker {process.pid}\n".encode())

        def log_message(self, format, *args):
            pass  # no access log

    server = ThreadingHTTPServer(("", port), Handler)
    print(f"Worker {process.pid} started")
    server.serve_forever()
