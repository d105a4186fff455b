"""Port of test-cluster-bind-twice.js: two independent clusters under one supervisor;
the first cluster's worker serves HTTP on a port, and the second cluster's worker,
asked to listen on the same port, gets EADDRINUSE at its own bind().

    <supervisor>            servers_bind_twice.py PORT
     /        \\
  <primary one>  <primary two>     ... PORT one | PORT two
     |             |
  <worker one>   <worker two>

Each primary relays its worker's messages to the supervisor (a line on stdout) and the
supervisor's lines (on its stdin) to its worker; it exits with its worker's exit code.
"""

import errno
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import cluster
from must import must_call, must_not_call

PORT = int(sys.argv[1])
ROLE = sys.argv[2] if len(sys.argv) > 2 else None


def supervisor() -> None:
    def start(role: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-u", __file__, str(PORT), role],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    one, two = start("one"), start("two")

    def give_up():
        print("supervisor: timed out", file=sys.stderr, flush=True)
        for proc in (one, two):
            proc.kill()  # their workers follow them
        os._exit(1)

    watchdog = threading.Timer(10, give_up)
    watchdog.daemon = True
    watchdog.start()

    def tell(proc: subprocess.Popen[str], line: str) -> None:
        assert proc.stdin is not None
        proc.stdin.write(line + "\n")
        proc.stdin.flush()

    def expect(proc: subprocess.Popen[str], wanted: str) -> None:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line == wanted, f"expected {wanted!r}, got {line!r}"

    try:
        expect(one, "READY")
        tell(two, "START")
        expect(two, "EADDRINUSE")
    finally:
        for proc in (one, two):
            if proc.poll() is None:
                tell(proc, "QUIT")
    codes = [one.wait(), two.wait()]
    watchdog.cancel()
    assert codes == [0, 0], f"primaries exited with {codes}"
    print("supervisor: done")


def primary() -> None:
    worker = cluster.fork()
    worker.on("exit", must_call(lambda code, signal: cluster.process.exit(code or 0)))
    worker.on("message", lambda message, handle: print(message, flush=True))
    for line in sys.stdin:
        worker.send(line.strip())


class Refuse(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        must_not_call("a request")()


def worker() -> None:
    def on_message(message, handle):
        if message == "QUIT":
            cluster.process.exit(0)
        elif ROLE == "two":
            assert message == "START", message
            try:
                HTTPServer(("127.0.0.1", PORT), Refuse)
            except OSError as exc:
                assert exc.errno == errno.EADDRINUSE, exc
                cluster.process.send(errno.errorcode[exc.errno])
            else:
                raise AssertionError("the second cluster's listen should have failed")

    cluster.process.on("message", must_call(on_message, 1 if ROLE == "one" else 2))
    if ROLE == "one":
        global server
        server = HTTPServer(("127.0.0.1", PORT), Refuse)
        cluster.process.send("READY")


if ROLE is None:
    supervisor()
elif cluster.is_primary:
    primary()
else:
    worker()
