"""SCHED_REUSEPORT (issue 11, item 3): one SO_REUSEPORT socket per worker, balanced by
the kernel; what is queued for a worker that leaves (killed, or disconnecting) is
accepted by the primary from its copy of that socket and served by another worker.

Every scene runs tests/programs/reuseport.py as a real primary with real workers and
real clients on 127.0.0.1; the program exits 0 when its checks hold.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from support import assert_ok, run_program

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="SO_REUSEPORT balancing")


def _run(scene: str) -> list[str]:
    result = run_program("reuseport.py", scene, timeout=45)
    lines = assert_ok(result)
    assert "Traceback" not in result.stderr, result.stderr
    return lines


def test_two_workers_each_with_its_own_socket_serve_200_connections() -> None:
    """Both workers answer 200 fresh connections (each at least 10), each from a
    server socket of its own (two inodes)."""
    (line,) = _run("spread")
    assert line.startswith("spread "), line


def test_kill_9_under_load_loses_only_the_in_flight_connection() -> None:
    """Worker 1 hangs in one connection while 39 more wait on its socket; SIGKILL it
    while 4 clients open connections as fast as they can without waiting for answers,
    and go on for 50 each after its 'exit': only the in-flight request fails; the 39
    queued ones and every connection of the storm (at least 200) are answered by
    worker 2. None is reset, even one that reaches worker 1's socket in the instant
    between the primary's last accept() on it and its close() (the filter that drops
    new SYNs there first makes such a client retry, onto worker 2's socket)."""
    (line,) = _run("kill")
    assert line == "queued [('ValueError', 1), (2, 39)] storm [2]", line


def test_disconnect_drains_the_queue_without_a_reset() -> None:
    """worker.disconnect() on a worker with 39 connections queued behind the one it
    serves: it answers that one and exits 0; the queued ones are answered by the other
    worker, and none is reset."""
    assert _run("disconnect") == ["worker 1 exit 0 None", "answers [(1, 1), (2, 39)]"]


def test_a_worker_forked_later_gets_its_own_socket_and_serves() -> None:
    """One worker answers everything; a second forked later gets a socket of its own in
    the group and answers its share of 200 fresh connections."""
    (line,) = _run("late")
    assert line.startswith("spread "), line


def test_reuseport_from_the_environment() -> None:
    """NODE_CLUSTER_SCHED_POLICY=reuseport selects it."""
    out = subprocess.run(
        [sys.executable, "-c", "import cluster; print(cluster.scheduling_policy)"],
        capture_output=True,
        text=True,
        env={**os.environ, "NODE_CLUSTER_SCHED_POLICY": "reuseport"},
        timeout=30,
    )
    assert out.stdout.strip() == "3", out
