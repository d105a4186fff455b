"""The app bench/metrics.py runs under ``python -m cluster``: ``metrics_app.py PORT``,
a minimal HTTP/1.1 server (``Connection: close``), with no ``import cluster``."""

import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

BODY = b"hello\n"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(BODY)
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
