"""http.server's HTTPServer and ThreadingHTTPServer, unchanged, in two workers that
share one port (``fw_http_server.py <http|threading> <host>``)."""

import sys
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer

from fw_common import family_for, identity, run_primary

import cluster

if cluster.is_primary:
    run_primary()
else:
    kind, host = sys.argv[1], sys.argv[2]
    base = {"http": HTTPServer, "threading": ThreadingHTTPServer}[kind]

    class Server(base):
        address_family = family_for(host)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            body = identity().encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    Server((host, 0), Handler).serve_forever()
