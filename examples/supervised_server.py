"""The seed tutorial's server, supervised: restarts, rolling reloads and a graceful stop.

    PORT=8000 python examples/supervised_server.py

Then ``kill -HUP <primary pid>`` replaces every worker without dropping a request,
``kill -9 <worker pid>`` shows a crashed worker coming back, and Ctrl+C (or SIGTERM)
stops everything. The same program, unchanged, under the command line:
``python -m cluster -w 2 examples/supervised_server.py``.
"""

import logging
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cluster

if cluster.is_primary:
    logging.basicConfig(level=logging.INFO, format="%(message)s")  # what the supervisor does
    print(f"Primary {os.getpid()} is running")
    sys.exit(cluster.supervise(workers=cluster.available_parallelism()))
else:

    class Hello(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(f"Hello from worker {os.getpid()}\n".encode())

        def log_message(self, *args: object) -> None:
            pass

    ThreadingHTTPServer(("", int(os.environ.get("PORT", "8000"))), Hello).serve_forever()
