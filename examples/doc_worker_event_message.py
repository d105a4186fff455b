"""Node's cluster docs, ``Worker`` ``Event: 'message'``: the primary counts the
HTTP requests that its workers serve, from the messages they send it.

Run it, then ``curl http://localhost:8000`` a few times (``PORT`` picks another
port) and watch ``num_reqs`` grow; Ctrl+C stops the program.
"""

import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cluster

process = cluster.process
port = int(os.environ.get("PORT", 8000))

if cluster.is_primary:
    # Keep track of http requests
    num_reqs = 0

    def print_every_second():
        while True:
            time.sleep(1)
            print(f"num_reqs = {num_reqs}")

    threading.Thread(target=print_every_second, daemon=True).start()

    # Count requests
    def message_handler(msg, handle):
        global num_reqs
        if isinstance(msg, dict) and msg.get("cmd") == "notifyRequest":
            num_reqs += 1

    # Start workers and listen for messages containing notifyRequest
    num_cpus = cluster.available_parallelism()
    for _ in range(num_cpus):
        cluster.fork()

    for worker in cluster.workers.values():
        worker.on("message", message_handler)

else:
    # Worker processes have a http server.
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"hello world\n")

            # Notify primary about the request
            process.send({"cmd": "notifyRequest"})

    ThreadingHTTPServer(("", port), Handler).serve_forever()
