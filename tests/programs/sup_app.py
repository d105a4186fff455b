"""An unmodified server program, as a user would run it under ``python -m cluster``:
no ``import cluster`` anywhere. ``sup_app.py PORT`` serves 127.0.0.1:PORT;
``sup_app.py /PATH`` serves the Unix socket PATH.

- ``GET /`` answers this process's pid.
- ``GET /sleep/<seconds>`` answers after that long (a request in flight).
- ``GET /hang`` never answers, and blocks the whole server: it is single-threaded,
  so the worker stops taking connections (a stuck worker).
- ``GET /grow/<megabytes>`` keeps that much more memory, for good.

Before it listens, it exits 3 while the file named by ``SUP_FAIL_BOOT`` exists (a
boot failure the test can switch on and off), and waits ``SUP_BOOT_DELAY`` seconds.
"""

import os
import socketserver
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

ADDRESS = sys.argv[1]
KEPT = []

failure_switch = os.environ.get("SUP_FAIL_BOOT")
if failure_switch and os.path.exists(failure_switch):
    print(f"boot failure in {os.getpid()}", flush=True)
    sys.exit(3)
time.sleep(float(os.environ.get("SUP_BOOT_DELAY", "0")))


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        parts = self.path.strip("/").split("/")
        if parts[0] == "sleep":
            print(f"sleeping in {os.getpid()}", flush=True)
            time.sleep(float(parts[1]))
        elif parts[0] == "hang":
            print(f"hanging in {os.getpid()}", flush=True)
            time.sleep(3600)
        elif parts[0] == "grow":
            KEPT.append(bytearray(int(parts[1]) << 20))
        body = f"{os.getpid()}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


print(f"serving {os.getpid()}", flush=True)
if ADDRESS.startswith("/"):
    socketserver.UnixStreamServer(ADDRESS, Handler).serve_forever()
else:
    HTTPServer(("127.0.0.1", int(ADDRESS)), Handler).serve_forever()
