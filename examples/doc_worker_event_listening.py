"""Node's cluster docs, ``Worker`` ``Event: 'listening'``.

The worker serves HTTP on port 8000 (``PORT`` picks another); Ctrl+C stops the
program.
"""

import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cluster

port = int(os.environ.get("PORT", 8000))

if cluster.is_primary:

    def on_listening(address):
        # Worker is listening
        print(f"Worker is listening on {address.address}:{address.port}")

    cluster.fork().on("listening", on_listening)

else:

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"hello world\n")

    ThreadingHTTPServer(("", port), Handler).serve_forever()
