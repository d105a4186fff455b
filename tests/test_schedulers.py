"""Schedulers beyond Node's round-robin: real primaries, workers, sockets and clients."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections import Counter

import psutil
import pytest

import cluster
from support import PROGRAMS, Running

SERVER = str(PROGRAMS / "sched_server.py")


def start(scheduler: str, *extra: str) -> tuple[Running, int, dict[int, int]]:
    running = Running(SERVER, scheduler, *extra)
    (ready,) = running.wait_for(lambda line: line.startswith("ready "))
    pids = {
        int(line.split()[1]): int(line.split()[2])
        for line in running.lines
        if line.startswith("worker ")
    }
    return running, int(ready.split()[1]), pids


def ask(port: int, path: str = "/", source: str = "127.0.0.1", timeout: float = 10) -> int:
    """One request on a fresh connection from ``source``; the worker id that answered."""
    with socket.create_connection(("127.0.0.1", port), timeout, (source, 0)) as sock:
        sock.sendall(f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return int(data.partition(b"\r\n\r\n")[2])


def stop(pid: int) -> None:
    """SIGSTOP ``pid`` and wait until each of its threads has stopped. Until then a
    thread the signal woke but that has not run yet still takes a connection that
    reaches its queue meanwhile (the kernel gives it the packet before it looks at
    the signal), and that connection would wait, unseen by the primary, for SIGCONT."""
    os.kill(pid, signal.SIGSTOP)
    deadline = time.monotonic() + 10
    while not all(state in "Tt" for state in thread_states(pid)):
        assert time.monotonic() < deadline, f"pid {pid} did not stop"
        time.sleep(0.01)  # polling /proc: only a parent's waitpid() is told of a stop


def thread_states(pid: int) -> list[str]:
    """The state letter of each thread of ``pid`` (R, S, T...), from /proc."""
    states = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/stat") as stat:
            states.append(stat.read().rpartition(")")[2].split()[0])
    return states


def socketio_sessions(port: int, sessions: int) -> list[int]:
    """``sessions`` python-socketio clients (polling): connect, emit with ack, leave;
    the workers that acked."""
    import socketio

    workers = []
    for n in range(sessions):
        client = socketio.Client(reconnection=False)
        try:
            client.connect(f"http://127.0.0.1:{port}", transports=["polling"], wait_timeout=5)
            answer = client.call("echo", {"n": n}, timeout=5)
            assert answer["echo"] == {"n": n}
            workers.append(answer["worker"])
        finally:
            client.disconnect()
    return workers


@pytest.mark.timeout(90)
@pytest.mark.parametrize("scheduler", ["ip-hash", "socketio"])
def test_socketio_sessions_complete_under_sticky_schedulers(scheduler: str) -> None:
    running, port, _ = start(scheduler, "socketio")
    try:
        assert len(socketio_sessions(port, 20)) == 20
    finally:
        running.kill()


@pytest.mark.timeout(90)
def test_socketio_fails_under_round_robin() -> None:
    """As the socket.io docs say: without sticky sessions, polling sessions break (a
    request lands on a worker that does not know the session)."""
    running, port, _ = start("round-robin", "socketio")
    try:
        with pytest.raises(Exception):  # noqa: B017, PT011 - any failure of the session
            socketio_sessions(port, 20)
    finally:
        running.kill()


@pytest.mark.timeout(90)
def test_ip_hash_keeps_clients_and_moves_only_a_killed_workers_clients() -> None:
    running, port, pids = start("ip-hash")
    try:
        sources = [f"127.0.0.{x}" for x in range(2, 51)]
        first = {source: ask(port, source=source) for source in sources}
        assert len(set(first.values())) == 3, first  # 49 clients spread over all 3
        for _ in range(50):
            assert ask(port, source=sources[0]) == first[sources[0]]
        victim = first[sources[0]]
        os.kill(pids[victim], signal.SIGKILL)
        deadline = time.monotonic() + 10
        while ask(port, source=sources[0]) == victim:  # until the primary sees it gone
            assert time.monotonic() < deadline
        after = {source: ask(port, source=source) for source in sources}
        for source in sources:
            if first[source] != victim:
                assert after[source] == first[source], source
            else:
                assert after[source] != victim
    finally:
        running.kill()


@pytest.mark.timeout(60)
def test_ip_hash_skips_a_stalled_worker_and_gives_its_clients_back_after() -> None:
    """A worker that takes no connection (SIGSTOP) is skipped for new clients: its
    client's queued connection is handed to another worker, which keeps that client
    while the stall lasts; the other clients keep theirs. Once the worker runs again
    and its back-off is over, the client goes back to it (rendezvous over the same
    set again)."""
    running, port, pids = start("ip-hash")
    sources = [f"127.0.0.{x}" for x in range(2, 31)]
    first = {source: ask(port, source=source) for source in sources}
    victim = first[sources[0]]
    try:
        stop(pids[victim])
        stand_in = ask(port, source=sources[0])  # queued for the victim, then taken back
        assert stand_in != victim
        assert [ask(port, source=sources[0]) for _ in range(5)] == [stand_in] * 5
        for source in sources:
            if first[source] != victim:
                assert ask(port, source=source) == first[source], source
        os.kill(pids[victim], signal.SIGCONT)
        deadline = time.monotonic() + 15  # the back-off is 5 s
        while ask(port, source=sources[0]) != victim:
            assert time.monotonic() < deadline
    finally:
        os.kill(pids[victim], signal.SIGCONT)
        running.kill()


@pytest.mark.timeout(60)
def test_least_connections_sends_new_connections_to_the_worker_holding_fewest() -> None:
    running, port, _ = start("least-connections")
    held = []
    try:
        counts: Counter[int] = Counter()
        for _ in range(24):  # held connections: 8 per worker
            sock = socket.create_connection(("127.0.0.1", port), 10)
            sock.sendall(b"GET /hold HTTP/1.0\r\n\r\n")
            data = b""
            while b"\r\n\r\n" not in data or not data.partition(b"\r\n\r\n")[2]:
                data += sock.recv(65536)
            counts[int(data.partition(b"\r\n\r\n")[2])] += 1
            held.append((sock, int(data.partition(b"\r\n\r\n")[2])))
        assert sorted(counts.values()) == [8, 8, 8], counts
        # free one worker's connections: it alone holds fewest now
        freed = held[0][1]
        for sock, worker in held:
            if worker == freed:
                sock.close()
        deadline = time.monotonic() + 10
        # the closes are reported in a batch, shortly; until then the workers tie and
        # take turns, so two in a row to the freed worker means the report came
        while not (ask(port) == freed and ask(port) == freed):
            assert time.monotonic() < deadline
        # closes are reported a little later: the next few still find it holding fewest
        assert {ask(port) for _ in range(3)} == {freed}
    finally:
        for sock, _ in held:
            sock.close()
        running.kill()


@pytest.mark.timeout(60)
def test_a_scheduler_that_raises_does_not_hurt_the_accept_loop() -> None:
    running, port, _ = start("raise")
    try:
        answers = Counter(ask(port) for _ in range(60))
        assert sorted(answers) == [1, 2, 3], answers  # round-robin instead
    finally:
        running.kill()
    assert running.output.count("raised RuntimeError") == 1, running.output


def holder_of(client: socket.socket, pids: dict[int, int], timeout: float = 10) -> int:
    """Wait until a worker holds the server end of ``client``'s connection (psutil
    reads the workers' sockets); that worker's id."""
    wanted = client.getsockname()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for worker_id, pid in pids.items():
            for conn in psutil.Process(pid).net_connections("tcp"):
                if conn.raddr and tuple(conn.raddr) == wanted:
                    return worker_id
        time.sleep(0.05)  # polling the kernel's socket table: no event says this
    raise AssertionError(f"no worker was handed the connection from {wanted}")


@pytest.mark.timeout(60)
def test_a_silent_client_times_out_the_peek_and_is_still_served() -> None:
    """No Node test (issue 11): under a peeking scheduler, a client that connects and
    says nothing holds nobody up (another client is answered meanwhile); once the
    kernel's deferral (TCP_DEFER_ACCEPT, about 1 s) and the peek's own bound (0.1 s)
    are over, its connection is handed to a worker unread, and when it finally
    speaks, that worker answers it."""
    running, port, pids = start("header:X-User")
    try:
        with socket.create_connection(("127.0.0.1", port), 10) as silent:
            assert ask(port) in (1, 2, 3)
            holder = holder_of(silent, pids)
            silent.sendall(b"GET / HTTP/1.0\r\nX-User: a\r\n\r\n")
            data = b""
            while chunk := silent.recv(65536):
                data += chunk
            assert data.startswith(b"HTTP/1.0 200"), data
            assert int(data.partition(b"\r\n\r\n")[2]) == holder
    finally:
        running.kill()


@pytest.mark.timeout(60)
def test_header_affinity_keeps_a_user_on_one_worker() -> None:
    running, port, _ = start("header:X-User")
    try:
        for user in ("alice", "bob", "carol"):
            seen = set()
            for _ in range(10):
                with socket.create_connection(("127.0.0.1", port), 10) as sock:
                    sock.sendall(f"GET / HTTP/1.0\r\nX-User: {user}\r\n\r\n".encode())
                    data = b""
                    while chunk := sock.recv(65536):
                        data += chunk
                seen.add(int(data.partition(b"\r\n\r\n")[2]))
            assert len(seen) == 1, (user, seen)
    finally:
        running.kill()


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("fastest", "'fastest'"),
        ("header:", "'header:'"),
        ("cookie:a b", "'a b'"),
        (42, "int"),
    ],
)
def test_bad_scheduler_values_are_refused_naming_them(value: object, named: str) -> None:
    with pytest.raises(ValueError, match="scheduler") as info:
        cluster.setup_primary(scheduler=value)
    assert named in str(info.value)


def test_the_cli_refuses_a_bad_scheduler_naming_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    app = tmp_path / "app.py"
    app.write_text("")
    result = subprocess.run(
        [sys.executable, "-m", "cluster", "--scheduler", "fastest", str(app)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "--scheduler" in result.stderr and "'fastest'" in result.stderr
