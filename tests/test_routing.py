"""How the primary hands out connections: fairly, over TCP and Unix sockets, never
touching client sockets, through faults (a worker that never accepts, a worker that
dies with connections queued, clients that reset, the primary out of descriptors), and
gracefully through a disconnect and a rolling restart.

Node's tests for this (see /work/shared/NODE-TESTS.md, "servers") exercise RR through
net.Server internals; these tests check the behaviour SPEC.md asks of the port
("Sharing server ports") with real clients, from programs in tests/programs/routing_*.py
that share tests/programs/routing_common.py. Clients connect from 127.0.0.1 or a Unix
socket path; every program ends its workers itself and exits 0 when its checks hold.
"""

from __future__ import annotations

import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator

import psutil
import pytest

from support import PROGRAMS, assert_ok, run_program


def no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr
    assert "Exception ignored" not in stderr, stderr


# -- fairness, and what gets routed ------------------------------------------------------


def test_round_robin_spreads_400_connections_evenly_over_4_workers() -> None:
    """Ports the spirit of test-cluster-dgram-1.js (even spread) to TCP under SCHED_RR:
    400 fresh connections made one after another reach each of 4 workers 90..110 times."""
    result = run_program("routing_rr_spread.py", timeout=30)
    (line,) = assert_ok(result)
    counts = [int(n) for n in line.split()[1:]]
    assert len(counts) == 4 and all(90 <= n <= 110 for n in counts), line
    no_traceback(result.stderr)


def test_unix_socket_path_is_routed_round_robin() -> None:
    """Ports test-cluster-http-pipe.js (a worker server on a Unix socket path serves a
    client over that path), with two workers: both answer in turn, 'listening' reports
    the path with address type -1, and the socket file goes with the last server."""
    result = run_program("routing_unix.py", timeout=30)
    lines = assert_ok(result)
    assert lines[-1] == "socket file removed", lines
    no_traceback(result.stderr)


class EchoServer:
    """The test's own server: answers ``hi <line>`` and records each peer's address."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.seen: list[tuple[str, tuple[str, int]]] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return
            with conn, conn.makefile("rb") as rfile:
                conn.settimeout(5)
                line = rfile.readline().decode().strip()
                self.seen.append((line, peer))
                conn.sendall(f"hi {line}\n".encode())

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def echo_server() -> Iterator[EchoServer]:
    server = EchoServer()
    yield server
    server.close()


@pytest.mark.parametrize("how", ["plain", "bound"])
def test_client_sockets_in_a_worker_are_never_touched(echo_server: EchoServer, how: str) -> None:
    """No Node test (SPEC.md: client sockets are never touched): a worker that serves a
    routed port also connects out to the test's server with socket.create_connection
    (``bound``: with source_address=('127.0.0.1', 0), which binds the client socket
    first), and the local address it sees is the peer address the test's server sees."""
    result = run_program("routing_client_sockets.py", str(echo_server.port), how, timeout=20)
    lines = assert_ok(result)
    (said,) = [line for line in lines if line.startswith("worker says ")]
    # worker says hi hello from <pid> via <host> <port>
    *_, pid, _via, host, port = said.split()
    assert echo_server.seen == [(f"hello from {pid}", (host, int(port)))], echo_server.seen
    no_traceback(result.stderr)


# -- faults ---------------------------------------------------------------------------------


def test_worker_that_never_accepts_does_not_stall_the_others() -> None:
    """No Node test (Node's servers always accept; SPEC.md: RR skips workers that are not
    keeping up): with one worker listening but never calling accept(), 40 sequential
    requests are all answered by the other worker, none waiting past its 5 s timeout."""
    result = run_program("routing_never_accepts.py", timeout=30)
    lines = assert_ok(result)
    assert lines[0] == "answers " + " ".join(["2"] * 40), lines
    no_traceback(result.stderr)


def test_connections_queued_for_a_dying_worker_go_to_another() -> None:
    """Like test-cluster-net-server-drop-connection.js (a connection a worker does not
    take goes to another): a worker that dies by os._exit with connections queued for it
    loses none of them; all 10 requests are answered by the surviving worker."""
    result = run_program("routing_worker_dies.py", timeout=30)
    assert assert_ok(result) == ["answers " + " ".join(["2"] * 10)]
    no_traceback(result.stderr)


def test_clients_that_reset_at_once_do_not_disturb_the_primary() -> None:
    """Like test-cluster-accept-fail.js (a fault at accept drops that client only): 100
    clients that connect and reset at once (SO_LINGER 0) leave the primary serving; the
    next 20 requests are answered by both workers."""
    result = run_program("routing_client_reset.py", timeout=30)
    lines = assert_ok(result)
    assert lines[0].startswith("answers "), lines
    no_traceback(result.stderr)


def _cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def test_primary_out_of_descriptors_pauses_accepting_and_recovers() -> None:
    """No Node test (SPEC.md: a fault in the accept loop, such as EMFILE, never spins the
    CPU or stops the loop): the primary has used up its RLIMIT_NOFILE on client
    connections; requests that arrive then wait, the primary burns well under 1 s of CPU
    over a 1 s window, and once it closes its connections the waiting requests and new
    ones are served."""
    stderr = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(
        [sys.executable, "-u", str(PROGRAMS / "routing_fd_exhaustion.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    watchdog = threading.Timer(30, proc.kill)  # its workers follow it
    watchdog.start()
    waiting: list[socket.socket] = []
    try:
        assert proc.stdin is not None and proc.stdout is not None
        first = proc.stdout.readline().split()
        assert first[:1] == ["exhausted"], first
        port, held = int(first[1]), int(first[2])
        assert held > 10, first
        for _ in range(5):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"hi\n")
            waiting.append(sock)
        before = _cpu_seconds(proc.pid)
        time.sleep(1.0)  # the overload window itself
        used = _cpu_seconds(proc.pid) - before
        readable, _, _ = select.select(waiting, [], [], 0)
        assert not readable, "the primary had no descriptor to accept with"
        assert used < 0.3, f"the primary used {used:.2f}s of CPU in a 1 s overload window"
        proc.stdin.write("release\n")
        proc.stdin.flush()
        assert proc.stdout.readline() == "released\n"
        for sock in waiting:
            answer = sock.makefile("rb").read().decode()
            assert answer.split()[0] in ("1", "2"), answer
        for _ in range(10):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(b"hi\n")
                assert sock.makefile("rb").read().decode().split()[0] in ("1", "2")
        rest, _ = proc.communicate("done\n", timeout=20)
    finally:
        watchdog.cancel()
        for sock in waiting:
            sock.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr.seek(0)
    errors = stderr.read()
    assert proc.returncode == 0, f"exit status {proc.returncode}\n{rest}\n{errors}"
    assert rest.splitlines() == ["disconnected"], rest
    no_traceback(errors)


# -- graceful changes -----------------------------------------------------------------------


def test_disconnect_serves_the_request_in_flight_and_routes_new_ones_elsewhere() -> None:
    """Ports test-cluster-worker-wait-server-close.js: after worker.disconnect(), the
    request that worker was in the middle of is served to the end before its
    'disconnect', new connections go to the other worker, and it exits 0 with
    exited_after_disconnect True."""
    result = run_program("routing_graceful_disconnect.py", timeout=30)
    later, in_flight = assert_ok(result)
    assert later in ("later requests served by 2 2 2 2 2 2", "later requests served by 1 1 1 1 1 1")
    assert in_flight == "in-flight request served to the end"
    no_traceback(result.stderr)


def test_rolling_restart_under_load_fails_no_request() -> None:
    """No Node test (the pattern Node's cluster docs describe): replacing each of two
    workers in turn (fork, wait for 'listening', disconnect the old one) while a client
    sends requests continuously fails none of them."""
    result = run_program("routing_rolling_restart.py", timeout=40)
    (line,) = assert_ok(result)
    assert " 0 failed, by workers [1, 2, 3, 4]" in line, line
    no_traceback(result.stderr)


def test_listening_socket_sent_to_a_worker_is_accepted_there() -> None:
    """Ports test-net-listen-handle-in-cluster-1.js (after v20), as far as it goes: a
    listening socket the primary sends as send_handle is the worker's own; it accepts a
    client on it and answers, with no routing in between."""
    result = run_program("routing_send_handle.py", timeout=20)
    (line,) = assert_ok(result)
    assert line.startswith("answer accepted by "), line
    no_traceback(result.stderr)
