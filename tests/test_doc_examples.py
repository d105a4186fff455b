"""Node's cluster documentation, ported: every ``examples/doc_*.py`` runs and does what
Node's page says its original does.

Each program in examples/doc_*.py ports one code example of Node 20's
doc/api/cluster.md (the file is named after the section), and the documentation site
shows the file itself (a snippet include), so what the docs show is what runs here.
Programs that end by themselves are run to the end; servers get real HTTP requests
on a free port (env ``PORT``), then Ctrl+C (SIGINT to the process group, as a terminal
sends it), and must end quietly with no process left behind.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

import pytest

from support import ROOT, Running, assert_ok, free_port, http_get, run_program

EXAMPLES = ROOT / "examples"
DOCS = ROOT / "docs"


def example(name: str) -> str:
    return str(EXAMPLES / name)


def cluster_cpus() -> int:
    """``cluster.available_parallelism()`` as the examples see it (asked in a child:
    importing cluster here would make the test process a primary)."""
    out = subprocess.run(
        [sys.executable, "-c", "import cluster; print(cluster.available_parallelism())"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return int(out.stdout)


def first_answer(program: Running, port: int, path: str = "/", timeout: float = 20) -> str:
    """GET ``path`` as soon as the server takes connections (for the examples that print
    nothing when they listen): retry while the port refuses, within ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return http_get(port, path)
        except (urllib.error.URLError, ConnectionError):
            if program.proc.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def wait_for_text(program: Running, pattern: str, count: int = 1, timeout: float = 20) -> list[str]:
    """The first ``count`` matches of ``pattern`` in the program's output, waiting for
    them. Output is searched as a whole, not line by line: the tests run Python with
    ``-u``, and then two workers that print at the same moment can run their lines
    together ("Worker 1 startedWorker 2 started")."""
    deadline = time.monotonic() + timeout
    while True:
        found = [match.group(0) for match in re.finditer(pattern, "\n".join(program.lines))]
        if len(found) >= count:
            return found[:count]
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"timed out waiting for {pattern!r}: {program.lines}")
        program.wait_for(lambda line: True, count=len(program.lines) + 1, timeout=remaining)


def pid_in(answer: str) -> int:
    match = re.search(r"(\d+)", answer)
    assert match, f"no pid in {answer!r}"
    return int(match.group(1))


def stop_with_ctrl_c(program: Running) -> None:
    """SIGINT to the whole group: primary and workers end quietly, by SIGINT."""
    program.signal_group(signal.SIGINT)
    assert program.finish() == -signal.SIGINT, program.stderr
    assert "Traceback" not in program.stderr, program.stderr
    assert "Exception ignored" not in program.stderr, program.stderr


# -- the introduction and "How it works" --------------------------------------------------


def test_intro_workers_share_port_8000() -> None:
    """Ports doc/api/cluster.md, the introduction: the primary forks one worker per CPU,
    each starts an HTTP server on the one shared port, and every request is answered."""
    port = free_port()
    program = Running(example("doc_intro.py"), env={"PORT": str(port)})
    try:
        wait_for_text(program, r"Primary \d+ is running")
        wait_for_text(program, r"Worker \d+ started", count=cluster_cpus())
        for _ in range(4):
            assert http_get(port) == "hello world\n"
        stop_with_ctrl_c(program)
    finally:
        program.kill()


def test_how_it_works_port_0_is_one_port_for_every_worker() -> None:
    """Ports doc/api/cluster.md, "How it works" (no code there: its third case): port 0
    in every worker is one random port, while an exclusive socket gets a port of its own."""
    lines = assert_ok(run_program(example("doc_how_it_works.py"), timeout=30))
    shared = re.fullmatch(r"shared: \[(\d+)\]", lines[-2])
    own = re.fullmatch(r"own: \[(\d+), (\d+)\]", lines[-1])
    assert shared and own, lines
    assert shared.group(1) not in own.groups()


# -- class Worker: events ---------------------------------------------------------------


def test_worker_event_disconnect() -> None:
    """Ports doc/api/cluster.md, Worker Event 'disconnect': the listener added on the
    worker fork() returned hears its disconnect."""
    lines = assert_ok(run_program(example("doc_worker_event_disconnect.py"), timeout=30))
    assert lines == ["Worker has disconnected"]


@pytest.mark.parametrize(
    ("how", "said"),
    [
        ("0", "worker success!"),
        ("3", "worker exited with error code: 3"),
        ("SIGHUP", "worker was killed by signal: SIGHUP"),
    ],
)
def test_worker_event_exit_tells_code_from_signal(how: str, said: str) -> None:
    """Ports doc/api/cluster.md, Worker Event 'exit': the listener gets the exit code,
    or the name of the signal that killed the worker, and says which."""
    lines = assert_ok(run_program(example("doc_worker_event_exit.py"), how, timeout=30))
    assert lines == [said]


def test_worker_event_listening_gives_the_address() -> None:
    """Ports doc/api/cluster.md, Worker Event 'listening': the worker's 'listening'
    carries the address its HTTP server listens on, and the server answers."""
    port = free_port()
    program = Running(example("doc_worker_event_listening.py"), env={"PORT": str(port)})
    try:
        wait_for_text(program, re.escape(f"Worker is listening on 0.0.0.0:{port}"))
        assert http_get(port) == "hello world\n"
        stop_with_ctrl_c(program)
    finally:
        program.kill()


def test_worker_event_message_counts_requests_in_the_primary() -> None:
    """Ports doc/api/cluster.md, Worker Event 'message': every request a worker serves
    sends the primary {'cmd': 'notifyRequest'}, and the primary's count, printed each
    second, reaches the number of requests sent."""
    port = free_port()
    program = Running(example("doc_worker_event_message.py"), env={"PORT": str(port)})
    try:
        assert first_answer(program, port) == "hello world\n"
        for _ in range(4):
            assert http_get(port) == "hello world\n"
        wait_for_text(program, "num_reqs = 5", timeout=10)
        stop_with_ctrl_c(program)
    finally:
        program.kill()
    assert "num_reqs = 6" not in program.lines


def test_worker_event_online() -> None:
    """Ports doc/api/cluster.md, Worker Event 'online': the listener added on the worker
    fork() returned hears that it is running."""
    lines = assert_ok(run_program(example("doc_worker_event_online.py"), timeout=30))
    assert lines == ["Worker is online"]


# -- class Worker: methods and properties ---------------------------------------------------


def test_worker_disconnect_with_a_kill_timeout() -> None:
    """Ports doc/api/cluster.md, worker.disconnect(): the worker hears 'shutdown', closes
    its idle TCP server and disconnects before the two-second kill timer, which is
    cancelled; it exits 0."""
    port = free_port()
    started = time.monotonic()
    result = run_program(example("doc_worker_disconnect.py"), env={"PORT": str(port)})
    elapsed = time.monotonic() - started
    assert assert_ok(result) == [
        "worker: shutting down",
        "worker disconnected in time",
        "worker exited: code 0, signal None",
    ]
    assert elapsed < 10


def test_worker_exited_after_disconnect_tells_voluntary_exits() -> None:
    """Ports doc/api/cluster.md, worker.exitedAfterDisconnect: a worker the primary
    disconnected left voluntarily; one killed by worker.kill() in the primary did not
    (Node 20 only signals it)."""
    lines = assert_ok(run_program(example("doc_worker_exited_after_disconnect.py"), timeout=30))
    assert sorted(lines) == [
        "Oh, it was just voluntary – no need to worry",
        "worker #1: exited_after_disconnect is False (SIGTERM)",
    ]


def test_worker_is_dead_before_and_after() -> None:
    """Ports doc/api/cluster.md, worker.isDead(): False at 'fork'; each worker answers
    one request and kills itself, True at its 'exit'; with no worker left the primary
    exits 0 by itself."""
    workers = cluster_cpus()
    port = free_port()
    program = Running(example("doc_worker_is_dead.py"), env={"PORT": str(port)})
    try:
        program.wait_for(lambda line: line == "worker is dead: False", count=workers)
        answered = {pid_in(first_answer(program, port))}
        while len(answered) < workers:
            program.wait_for(lambda line: line == "worker is dead: True", count=len(answered))
            answered.add(pid_in(first_answer(program, port)))
        assert program.finish() == 0
    finally:
        program.kill()
    assert program.lines.count("worker is dead: True") == workers
    assert program.lines.count("worker is dead: False") == workers


def test_worker_send_echo() -> None:
    """Ports doc/api/cluster.md, worker.send(): the worker echoes the primary's message
    back with process.send()."""
    lines = assert_ok(run_program(example("doc_worker_send.py"), timeout=30))
    assert lines == ["the worker sent back: hi there"]


# -- the cluster module's events ----------------------------------------------------------


def test_event_disconnect() -> None:
    """Ports doc/api/cluster.md, Event 'disconnect': the module hears each worker's
    disconnect, with the worker."""
    lines = assert_ok(run_program(example("doc_event_disconnect.py"), timeout=30))
    assert sorted(lines) == [
        "The worker #1 has disconnected",
        "The worker #2 has disconnected",
    ]


def test_event_exit_restarts_a_crashed_worker() -> None:
    """Ports doc/api/cluster.md, Event 'exit': a worker that exits with code 1 is
    reported with its pid and code, and a new worker takes its place and serves."""
    port = free_port()
    program = Running(example("doc_event_exit.py"), env={"PORT": str(port)})
    try:
        wait_for_text(program, r"Worker \d+ started", count=2)
        crashed = pid_in(http_get(port, "/crash"))
        wait_for_text(program, re.escape(f"worker {crashed} died (1). restarting..."))
        started = wait_for_text(program, r"Worker \d+ started", count=3)
        replacement = pid_in(started[2])
        assert replacement != crashed
        answers = set()
        for _ in range(40):  # until the replacement answers
            answers.add(pid_in(http_get(port)))
            if replacement in answers:
                break
        assert replacement in answers
        assert crashed not in answers
        stop_with_ctrl_c(program)
    finally:
        program.kill()


def test_event_fork_timeouts_are_cleared_at_listening() -> None:
    """Ports doc/api/cluster.md, Event 'fork': each worker's two-second timer is cleared
    when it listens, so no error appears; a worker that dies brings the error once."""
    port = free_port()
    started = time.monotonic()
    program = Running(example("doc_event_fork.py"), env={"PORT": str(port)})
    try:
        pids = {pid_in(first_answer(program, port))}
        deadline = time.monotonic() + 10
        while len(pids) < 2 and time.monotonic() < deadline:  # until both workers listen
            pids.add(pid_in(http_get(port)))
        assert len(pids) == 2, pids
        time.sleep(max(0.0, started + 2.5 - time.monotonic()))  # past every fork timer
        assert "Something must be wrong" not in program.stderr
        os.kill(pids.pop(), signal.SIGKILL)
        deadline = time.monotonic() + 10
        while "Something must be wrong" not in program.stderr:
            assert time.monotonic() < deadline, program.stderr
            time.sleep(0.05)
        program.proc.send_signal(signal.SIGTERM)  # the primary alone: no more 'exit'
        assert program.finish() == -signal.SIGTERM
    finally:
        program.kill()
    assert program.stderr.count("Something must be wrong with the connection ...") == 1


def test_event_listening_once_per_worker() -> None:
    """Ports doc/api/cluster.md, Event 'listening': the module hears each worker's
    server listen, with its address and port."""
    port = free_port()
    program = Running(example("doc_event_listening.py"), env={"PORT": str(port)})
    try:
        lines = program.wait_for(lambda line: line.startswith("A worker is now connected"), count=2)
        assert lines == [f"A worker is now connected to 127.0.0.1:{port}"] * 2
        assert http_get(port) == "hello world\n"
        stop_with_ctrl_c(program)
    finally:
        program.kill()


def test_event_online() -> None:
    """Ports doc/api/cluster.md, Event 'online': the module hears every worker come
    online."""
    lines = assert_ok(run_program(example("doc_event_online.py"), timeout=30))
    assert lines == ["Yay, the worker responded after it was forked"] * 2


# -- the cluster module's functions and properties ---------------------------------------


def test_cluster_disconnect_after_the_first_request() -> None:
    """Ports doc/api/cluster.md, cluster.disconnect(): the request that asks for the
    shutdown is still answered in full; then every worker is gone, the callback runs,
    and the program exits 0."""
    port = free_port()
    program = Running(example("doc_cluster_disconnect.py"), env={"PORT": str(port)})
    try:
        line = wait_for_text(program, rf"Worker \d+ listening on the port {port}")
        pid = pid_in(line[0])
        assert http_get(port) == f"Hello World from worker: {pid}"
        assert program.finish() == 0
    finally:
        program.kill()
    assert program.lines[-1] == "All workers killed"


def test_cluster_fork_one_worker_per_cpu() -> None:
    """Ports doc/api/cluster.md, cluster.fork(): os.cpu_count() workers serve port 3000's
    stand-in, and each request's worker reports its pid to the primary."""
    workers = os.cpu_count() or 1
    port = free_port()
    program = Running(example("doc_cluster_fork.py"), env={"PORT": str(port)})
    try:
        wait_for_text(program, rf"listening on the port {port}", count=workers)
        answered = [pid_in(http_get(port)) for _ in range(min(workers, 4))]
        for pid in answered:
            wait_for_text(program, f"Received message from worker: {pid}")
        stop_with_ctrl_c(program)
    finally:
        program.kill()


def test_cluster_setup_primary_runs_another_program() -> None:
    """Ports doc/api/cluster.md, cluster.setupPrimary(): each fork runs the worker
    program with the args in force, and silent=True from the first call still holds for
    the second (settings merge), so both write into pipes the primary reads."""
    lines = assert_ok(run_program(example("doc_cluster_setup_primary.py"), timeout=30))
    assert lines[0] == "settings: {'args': ['--use', 'http'], 'silent': True}"
    assert sorted(lines[1:]) == [
        "worker #1 wrote: I am doc_cluster_setup_primary_worker.py --use https, worker #1",
        "worker #2 wrote: I am doc_cluster_setup_primary_worker.py --use http, worker #2",
    ]


def test_cluster_worker_in_each_worker() -> None:
    """Ports doc/api/cluster.md, cluster.worker: the primary has none; each worker
    knows its id."""
    result = run_program(example("doc_cluster_worker.py"), timeout=30)
    assert assert_ok(result)[0] == "I am primary"
    # findall: two workers printing at once may run their lines together (-u)
    assert sorted(re.findall(r"I am worker #\d", result.stdout)) == [
        "I am worker #1",
        "I am worker #2",
    ]


def test_cluster_workers_announcement() -> None:
    """Ports doc/api/cluster.md, cluster.workers: a message sent to every worker in
    cluster.workers reaches each."""
    result = run_program(example("doc_cluster_workers.py"), timeout=30)
    assert_ok(result)
    # findall: two workers printing at once may run their lines together (-u)
    assert sorted(
        re.findall(r"worker #\d heard: big announcement to all workers", result.stdout)
    ) == [
        "worker #1 heard: big announcement to all workers",
        "worker #2 heard: big announcement to all workers",
    ]


# -- the docs show what runs ----------------------------------------------------------------


def test_every_doc_example_is_tested_and_shown_in_the_docs() -> None:
    """No Node example: every examples/doc_*.py has a test here, and a page of the
    documentation site includes it (a snippet), so the docs show what runs."""
    source = Path(__file__).read_text()
    pages = "\n".join(path.read_text() for path in DOCS.rglob("*.md"))
    for path in sorted(EXAMPLES.glob("doc_*.py")):
        assert f"examples/{path.name}" in pages, f"no page includes {path.name}"
        if path.name.endswith("_worker.py"):
            continue  # the program its primary's example runs in the workers
        assert f'example("{path.name}")' in source, f"{path.name} has no test"


# -- the recipes ----------------------------------------------------------------------------


def test_recipe_rolling_restart_replaces_every_worker_without_a_failed_request() -> None:
    """No Node example (docs/recipes.md): on SIGHUP the primary replaces its workers one
    by one (fork, wait for 'listening', disconnect the old one); a client that keeps
    asking meanwhile never fails, and afterwards only new workers answer."""
    import threading

    workers = cluster_cpus()
    port = free_port()
    program = Running(example("doc_recipe_rolling_restart.py"), env={"PORT": str(port)})
    try:
        started = wait_for_text(program, r"Worker \d+ started", count=workers)
        old = {pid_in(line) for line in started}
        failures: list[BaseException] = []
        answers: list[int] = []
        done = threading.Event()

        def keep_asking() -> None:
            while not done.is_set():
                try:
                    answers.append(pid_in(http_get(port, timeout=5)))
                except Exception as exc:  # noqa: BLE001 - any failure is the finding
                    failures.append(exc)

        client = threading.Thread(target=keep_asking)
        client.start()
        try:
            program.proc.send_signal(signal.SIGHUP)
            wait_for_text(program, "every worker restarted", timeout=30)
        finally:
            done.set()
            client.join()
        assert not failures, failures
        assert old & set(answers), "the client never reached the old workers"
        after = {pid_in(http_get(port)) for _ in range(4 * workers)}
        assert not after & old, (after, old)
        restarted = re.findall(r"listens, disconnecting worker \d+", "\n".join(program.lines))
        assert len(restarted) == workers, program.lines
        stop_with_ctrl_c(program)
    finally:
        program.kill()


def test_recipe_shared_state_lives_in_the_primary() -> None:
    """No Node example (docs/recipes.md): each worker counts its own hits, while the
    total that every worker reports comes from the primary and counts every request."""
    port = free_port()
    program = Running(example("doc_recipe_shared_state.py"), env={"PORT": str(port)})
    try:
        program.wait_for(lambda line: line.endswith(" ready"), count=cluster_cpus())
        answers = [http_get(port) for _ in range(6)]
        parsed = [re.fullmatch(r"worker (\d+): (\d+) here, (\d+) in all\n", a) for a in answers]
        assert all(parsed), answers
        totals = [int(match.group(3)) for match in parsed if match]
        assert totals == [1, 2, 3, 4, 5, 6]
        last_here: dict[str, int] = {}
        for match in parsed:
            assert match
            last_here[match.group(1)] = int(match.group(2))
        assert sum(last_here.values()) == 6
        stop_with_ctrl_c(program)
    finally:
        program.kill()


def test_recipe_send_socket_keeps_a_client_on_one_worker() -> None:
    """No Node example (docs/recipes.md): the primary accepts and sends each connection
    to the worker its client address maps to; every request from 127.0.0.1 is answered
    by that one worker, which is not the primary."""
    port = free_port()
    program = Running(example("doc_recipe_send_socket.py"), env={"PORT": str(port)})
    try:
        program.wait_for(lambda line: line.endswith(f"accepts on port {port}"))
        pids = {pid_in(http_get(port)) for _ in range(5)}
        assert len(pids) == 1
        assert program.proc.pid not in pids
        stop_with_ctrl_c(program)
    finally:
        program.kill()


def test_recipe_logging_records_reach_the_primary() -> None:
    """No Node example (docs/recipes.md): the workers' log records, tracebacks included,
    are written by the primary, each with the pid of the worker that logged it."""
    result = run_program(example("doc_recipe_logging.py"), timeout=30)
    lines = assert_ok(result)
    started = [line for line in lines if line.endswith(": started")]
    errors = [line for line in lines if line.endswith(": something went wrong")]
    assert len(started) == 2 and len(errors) == 2, (lines, result.stderr)
    assert {line.split()[1] for line in started} == {line.split()[1] for line in errors}
    assert lines.count("ValueError: invalid literal for int() with base 10: 'forty-two'") == 2


def test_recipe_sigterm_disconnects_then_exits_0() -> None:
    """No Node example (docs/recipes.md): SIGTERM to the primary alone (systemd's
    KillMode=mixed, docker stop) disconnects every worker, and the primary exits 0 well
    before its grace period; WORKERS sets the number of workers."""
    port = free_port()
    program = Running(example("doc_recipe_sigterm.py"), env={"PORT": str(port), "WORKERS": "3"})
    try:
        wait_for_text(program, r"Worker \d+ started", count=3)
        assert program.lines[0].endswith(": 3 workers")
        assert "Hello from worker" in http_get(port)
        program.proc.send_signal(signal.SIGTERM)
        assert program.finish(timeout=8) == 0
    finally:
        program.kill()
    assert program.lines[-2:] == [
        "SIGTERM: disconnecting every worker",
        "every worker disconnected",
    ]
