"""Green-thread servers in workers (issue 13): gevent's and eventlet's servers,
monkey-patched or not, wherever the patching is placed, are routed through the primary
like any stdlib server.

No Node test ports these: Node has no green threads. They prove issue 13's "What users
get" with the real packages, each in a real primary with two workers
(tests/programs/green_*.py): one port from the primary's 'listening' events, 60 requests
on fresh connections under SCHED_RR and SCHED_NONE, a graceful ``worker.disconnect()``
with a slow request in flight, a quiet Ctrl+C, a clear error for a socket that binds by
itself, and a quiet exit after ``patch_all()`` under the cluster's running thread.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

import psutil
import pytest

from support import PROGRAMS, Running, fetch_pids, free_port, run_program

REQUESTS = 60
TIMEOUT = 20.0  # for any one program
SERVERS = ["gevent-pywsgi", "gevent-stream", "eventlet-wsgi"]
PLACEMENTS = ["top", "worker", "none"]
POLICIES = {"rr": {}, "none": {"NODE_CLUSTER_SCHED_POLICY": "none"}}


@contextlib.contextmanager
def primary(program: str, *args: str, env: dict[str, str] | None = None) -> Iterator[Running]:
    """A ``green_*`` program run as a primary in its own session (the test signals its
    whole process group, as a terminal does), taking commands on stdin."""
    running = Running(str(PROGRAMS / program), *args, env=env, stdin=True)
    try:
        yield running
    finally:
        running.kill()


def wait_line(program: Running, expected: str) -> str:
    return program.wait_for(lambda line: line == expected, timeout=TIMEOUT)[0]


def worker_pids(primary: Running) -> set[int]:
    return {int(line.split()[1]) for line in primary.lines if line.startswith("worker ")}


def the_port(primary: Running) -> int:
    """Wait for 'ready'; the one port every worker's 'listening' event reported."""
    wait_line(primary, "ready")
    ports = {int(line.split()[3]) for line in primary.lines if line.startswith("listening ")}
    assert len(ports) == 1, primary.lines
    return ports.pop()


def fetch(port: int, path: str = "/") -> int:
    """One GET on a new connection: it must be answered 200 by the worker's own
    process; the worker pid that did."""
    worker, handler = fetch_pids("127.0.0.1", port, path)
    assert worker == handler, (worker, handler)
    return worker


def assert_quiet(stderr: str) -> None:
    """No traceback, no Ctrl+C noise, no error at interpreter exit, from any process."""
    for noise in ("Traceback", "KeyboardInterrupt", "Exception ignored", "KeyError"):
        assert noise not in stderr, stderr


def assert_all_gone(workers: set[int], timeout: float = 5) -> None:
    """Every worker has ended (the test is a child subreaper: orphans are reaped here)."""
    procs = []
    for pid in workers:
        try:
            procs.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    assert not alive, f"workers outlived their primary: {[proc.pid for proc in alive]}"


def disconnect_all(primary: Running) -> None:
    """Ask the primary to call cluster.disconnect(): it must end by itself with 0, every
    worker having exited (0, None) with exited_after_disconnect True."""
    primary.send("done")
    code = primary.finish(timeout=TIMEOUT)
    assert code == 0, f"exit status {code}\n{primary.output}"
    assert "disconnected" in primary.lines, primary.output
    exits = [line for line in primary.lines if line.startswith("exit ")]
    assert sorted(exits) == sorted(f"exit {pid} 0 None True" for pid in worker_pids(primary))


# -- one port, both policies, every patch placement -------------------------------------------


@pytest.mark.parametrize("policy", list(POLICIES))
@pytest.mark.parametrize("placement", PLACEMENTS)
@pytest.mark.parametrize("server", SERVERS)
def test_green_server_shares_the_primary_port(server: str, placement: str, policy: str) -> None:
    """No Node test (issue 13): gevent's pywsgi.WSGIServer and StreamServer, and
    eventlet's wsgi.server on eventlet.listen, on 127.0.0.1 port 0 in two workers, with
    the library's monkey-patching at the program's top (before ``import cluster``, in
    primary and workers), in the worker's branch only, or nowhere: both workers listen on
    the one port the primary reports, 60 requests on fresh connections are all answered
    by the workers (under SCHED_RR by both of them), and cluster.disconnect() ends it
    all with status 0 and nothing on stderr but warnings."""
    with primary("green_server.py", server, placement, "commands", env=POLICIES[policy]) as p:
        port = the_port(p)
        workers = worker_pids(p)
        assert len(workers) == 2, p.output
        answered = [fetch(port) for _ in range(REQUESTS)]
        assert set(answered) <= workers, (answered, workers)
        if policy == "rr":
            assert set(answered) == workers, f"both workers should answer: {answered}"
        disconnect_all(p)
        assert_quiet(p.stderr)


# -- graceful disconnect ----------------------------------------------------------------------


@pytest.mark.parametrize("placement", ["top", "worker"])
@pytest.mark.parametrize("server", ["gevent-pywsgi", "eventlet-wsgi"])
def test_worker_disconnect_drains_a_green_server(server: str, placement: str) -> None:
    """No Node test (issue 13; SPEC.md's worker.disconnect()): a /slow request, whose
    handler green-sleeps 1.5 s, is in flight on one worker (its handler has printed that
    it started) when the primary calls worker.disconnect() on it: new connections from
    then on all go to the other worker, the slow request still gets its whole 200
    answer from the disconnected worker, and that worker exits 0 with
    exited_after_disconnect True."""
    with primary("green_server.py", server, placement, "commands") as p:
        port = the_port(p)
        slow: list[int] = []
        failed: list[BaseException] = []

        def slow_request() -> None:
            try:
                slow.append(fetch(port, "/slow"))
            except BaseException as exc:  # noqa: BLE001 - checked on the test's thread
                failed.append(exc)

        client = threading.Thread(target=slow_request, daemon=True)
        client.start()
        busy = int(p.wait_for(lambda line: line.startswith("slow "))[0].split()[1])
        (other,) = worker_pids(p) - {busy}
        p.send(f"disconnect {busy}")
        wait_line(p, f"disconnecting {busy}")
        later = [fetch(port) for _ in range(6)]
        assert later == [other] * 6, f"the disconnected worker {busy} still served: {later}"
        client.join(TIMEOUT)
        assert not failed, f"the in-flight request was cut short: {failed!r}\n{p.output}"
        assert slow == [busy], slow
        wait_line(p, f"exit {busy} 0 None True")
        disconnect_all(p)
        assert_quiet(p.stderr)


# -- Ctrl+C ------------------------------------------------------------------------------------


@pytest.mark.parametrize("placement", PLACEMENTS)
@pytest.mark.parametrize("server", SERVERS)
def test_ctrl_c_ends_green_primary_and_workers_quietly(server: str, placement: str) -> None:
    """No Node test (issue 13; SPEC.md's "Lifetime of the primary", as
    test_life.py's Ctrl+C tests): SIGINT to the whole process group, as a terminal's
    Ctrl+C sends it, while green workers serve: the primary dies by SIGINT as Node's
    does, every worker goes too, and no process prints a traceback or
    KeyboardInterrupt."""
    with primary("green_server.py", server, placement, "signal") as p:
        port = the_port(p)
        workers = worker_pids(p)
        assert fetch(port) in workers
        p.signal_group(signal.SIGINT)
        code = p.finish(timeout=TIMEOUT)
        assert code == -signal.SIGINT, f"exit status {code}\n{p.output}"
        assert_all_gone(workers)
        assert_quiet(p.stderr)


# -- a socket that binds by itself -------------------------------------------------------------


def test_a_socket_that_binds_by_itself_is_named_in_the_error() -> None:
    """No Node test (issue 13): a worker server socket whose class subclasses the C type
    ``_socket.socket`` (not ``socket.socket``) binds 127.0.0.1:<port> by itself in worker
    1; worker 2's bind of the same address must not die of a bare EADDRINUSE: it dies
    with an error saying the address was not routed through the primary and naming the
    class (RawSocket); worker 1 then disconnects and exits 0."""
    port = free_port()
    result = run_program("green_raw_socket.py", str(port), timeout=TIMEOUT)
    assert result.returncode == 0, f"exit status {result.returncode}\n{result.stderr}"
    assert result.stdout.splitlines() == ["exit 2 1 None", "exit 1 0 None"], result.stdout
    named = [
        line for line in result.stderr.splitlines() if "not routed" in line and "RawSocket" in line
    ]
    assert named, f"no line names the class and says it was not routed:\n{result.stderr}"


# -- patching after import cluster -------------------------------------------------------------


@pytest.mark.parametrize("ending", ["primary", "worker"])
@pytest.mark.parametrize("library", ["gevent", "eventlet"])
def test_patching_after_import_cluster_leaves_the_exit_quiet(library: str, ending: str) -> None:
    """No Node test (issue 13): workers that monkey-patch after ``import cluster`` (so
    under the cluster's running I/O thread: threading.get_ident is replaced) and use
    greenlets and green threads, then are disconnected by the primary or disconnect
    themselves, exit 0 with exited_after_disconnect True and print nothing at exit: no
    KeyError from threading._delete, no "Exception ignored"."""
    result = run_program("green_patch_late.py", library, ending, timeout=TIMEOUT)
    assert result.returncode == 0, f"exit status {result.returncode}\n{result.stderr}"
    assert sorted(result.stdout.splitlines()) == ["exit 1 0 None True", "exit 2 0 None True"]
    assert_quiet(result.stderr)
