"""Recipe: per-worker state and shared state.

Each worker is a process of its own: a global variable is *per-worker* state
(here, ``hits``: the requests this worker served). State that every worker must
see lives in one place, here the primary (``total``): a worker asks for it with
a message and waits for the answer. (A database, Redis or SQLite do the same job
across machines and restarts.)

Run it, then ``curl http://localhost:8000`` a few times (``PORT`` picks another
port); Ctrl+C stops the program.
"""

import itertools
import os
import threading
from concurrent.futures import Future
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cluster

process = cluster.process
port = int(os.environ.get("PORT", 8000))

if cluster.is_primary:
    total = 0  # shared state: the primary is its only owner

    @cluster.on("message")
    def on_message(worker, message, handle):
        global total
        if message.get("cmd") == "increment":
            total += 1
            worker.send({"reply_to": message["id"], "total": total})

    for _ in range(cluster.available_parallelism()):
        cluster.fork()

    @cluster.on("listening")
    def on_listening(worker, address):
        print(f"worker {worker.process.pid} ready")

else:
    hits = 0  # per-worker state: every worker has its own
    hits_lock = threading.Lock()
    pending = {}
    request_ids = itertools.count()

    def increment_total():
        """Ask the primary to add one to the shared total; return the new total."""
        request_id = next(request_ids)
        pending[request_id] = answer = Future()
        process.send({"cmd": "increment", "id": request_id})
        return answer.result(timeout=5)

    @process.on("message")
    def on_reply(message, handle):
        pending.pop(message["reply_to"]).set_result(message["total"])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            global hits
            with hits_lock:
                hits += 1
                mine = hits
            total = increment_total()
            answer = f"worker {process.pid}: {mine} here, {total} in all\n"
            self.send_response(200)
            self.end_headers()
            self.wfile.write(answer.encode())

        def log_message(self, format, *args):
            pass

    ThreadingHTTPServer(("", port), Handler).serve_forever()
