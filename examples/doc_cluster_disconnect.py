"""Node's cluster docs, ``cluster.disconnect()``: the first HTTP request asks
the primary to disconnect every worker; the request is still answered, then
the workers exit and so does the program.

Run it, then ``curl http://localhost:3000`` (``PORT`` picks another port).
"""

import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cluster

process = cluster.process
port = int(os.environ.get("PORT", 3000))

if cluster.is_primary:
    worker = cluster.fork()

    @worker.on("message")
    def on_message(msg, handle):
        if msg == "shutdown":
            # Workers will be killed once finished the callback will be called.
            cluster.disconnect(lambda: print("All workers killed"))

else:

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            process.send("shutdown")

            self.send_response(200)
            self.end_headers()
            self.wfile.write(f"Hello World from worker: {process.pid}".encode())

    server = ThreadingHTTPServer(("", port), Handler)
    print(f"Worker {process.pid} listening on the port {port}")
    server.serve_forever()
