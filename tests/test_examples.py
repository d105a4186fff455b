"""Every program in examples/ runs, does what its docstring says, and leaves nothing behind."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import pytest

from support import ROOT, Running, assert_ok, free_port, http_get, run_program

EXAMPLES = ROOT / "examples"


def example(name: str) -> str:
    return str(EXAMPLES / name)


def pids_answering(port: int, want: int, attempts: int = 40) -> set[str]:
    """Ask until ``want`` different workers have answered (fresh connection each)."""
    pids: set[str] = set()
    for _ in range(attempts):
        match = re.search(r"worker (\d+)", http_get(port))
        assert match, "answer without a worker pid"
        pids.add(match.group(1))
        if len(pids) == want:
            break
    return pids


def test_messages_go_both_ways_and_workers_leave() -> None:
    """Each worker says hello, hears the primary's answer, disconnects and exits 0."""
    lines = assert_ok(run_program(example("messages.py")))
    assert len([line for line in lines if line.startswith("Primary got")]) == 2
    assert len([line for line in lines if "got {'cmd': 'welcome'" in line]) == 2
    assert len([line for line in lines if line.endswith("left with code 0")]) == 2


def test_restart_on_exit_replaces_dead_workers() -> None:
    """Every crashed worker is replaced until the primary stops restarting them."""
    lines = assert_ok(run_program(example("restart_on_exit.py")))
    assert len([line for line in lines if line.endswith("restarting...")]) == 3
    assert len([line for line in lines if line.endswith("not restarting.")]) == 2
    assert len([line for line in lines if "Worker" in line and "started" in line]) == 5


@pytest.mark.parametrize(
    ("name", "ready"),
    [
        ("seed_simple_cluster.py", r"Worker \d+ started"),
        ("asyncio_server.py", r"worker \d+ on \d+"),
        ("flask_app.py", r"worker \d+ on \d+"),
        ("gevent_server.py", r"worker \d+ on \d+"),
    ],
)
def test_server_examples_answer_from_every_worker_and_stop_quietly_on_ctrl_c(
    name: str, ready: str
) -> None:
    """The server examples answer HTTP from both workers; Ctrl+C (SIGINT to the whole
    process group, as a terminal sends it) ends primary and workers with no traceback."""
    port = free_port()
    program = Running(example(name), env={"PORT": str(port)})
    try:
        program.wait_for(lambda line: re.fullmatch(ready, line) is not None, count=2)
        assert len(pids_answering(port, want=2)) == 2
        program.signal_group(signal.SIGINT)
        assert program.finish() == -signal.SIGINT
    finally:
        program.kill()
    assert "Traceback" not in program.stderr
    assert "Exception ignored" not in program.stderr


def test_graceful_shutdown_disconnects_workers_then_exits() -> None:
    """SIGINT to the primary alone: it asks every worker to disconnect, each says so and
    exits 0, and the primary exits 0 after its five-second grace period."""
    port = free_port()
    program = Running(example("seed_graceful_shutdown.py"), env={"PORT": str(port)})
    try:
        program.wait_for(lambda line: line.startswith("Worker") and "started" in line, count=2)
        assert len(pids_answering(port, want=2)) == 2
        program.proc.send_signal(signal.SIGINT)
        assert program.finish(timeout=30) == 0
    finally:
        program.kill()
    out = "\n".join(program.lines)
    assert "SIGINT received. Shutting down workers..." in out
    assert len(re.findall(r"Sending disconnect to worker \d+", out)) == 2
    assert len(re.findall(r"Worker \d+ disconnecting\.\.\.", out)) == 2
    assert len(re.findall(r"worker \d+ died", out)) == 2
    assert program.lines[-1] == "Exiting primary process."
    assert "Traceback" not in program.stderr


def test_every_example_is_tested() -> None:
    """No example in examples/ escapes the example tests (this file, and
    test_doc_examples.py for the ports of Node's documentation)."""
    here = Path(__file__).parent
    source = "".join(path.read_text() for path in here.glob("test_*examples.py"))
    for path in EXAMPLES.glob("*.py"):
        assert path.name in source, f"{path.name} has no test"


def test_supervised_server_reloads_and_stops_gracefully() -> None:
    """examples/supervised_server.py: its workers answer; SIGHUP replaces them all (new
    pids answer); SIGTERM stops it with status 0."""
    port = free_port()
    running = Running(example("supervised_server.py"), env={"PORT": str(port)},
                      merge_stderr=True)
    try:
        workers = cluster_count()
        running.wait_for(lambda line: "is ready" in line, count=workers)
        before = pids_answering(port, workers)
        running.proc.send_signal(signal.SIGHUP)
        running.wait_for(lambda line: "reload done" in line, timeout=30)
        after = pids_answering(port, workers)
        assert before.isdisjoint(after)
        running.proc.send_signal(signal.SIGTERM)
        assert running.finish() == 0
        assert "cluster: stopped" in running.output
    finally:
        running.kill()


def cluster_count() -> int:
    import cluster

    return cluster.available_parallelism()
