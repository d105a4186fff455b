"""Node's cluster docs, ``Event: 'listening'`` (on the cluster module).

The workers serve HTTP on port 8000 (``PORT`` picks another); Ctrl+C stops the
program.
"""

import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cluster

port = int(os.environ.get("PORT", 8000))

if cluster.is_primary:

    @cluster.on("listening")
    def on_listening(worker, address):
        print(f"A worker is now connected to {address.address}:{address.port}")

    for _ in range(2):
        cluster.fork()

else:

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"hello world\n")

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
