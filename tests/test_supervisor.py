"""The production supervisor, through its command line: ``python -m cluster app.py``.

Each test runs the real command on an unmodified server program
(tests/programs/sup_app.py: no ``import cluster`` in it), sends it real signals and
real HTTP requests on fresh connections, and reads the primary's log lines, which
say what the supervisor did. No Node test ports these: Node's cluster has no
supervisor; the behaviours are the ones issue 10 asks for, with gunicorn's and PM2's
semantics where it is silent.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from support import PROGRAMS, Load, Running, cluster_cli, free_port, raw_get

APP = str(PROGRAMS / "sup_app.py")
READY = re.compile(r"worker (\d+) \(pid (\d+)\) is ready")
GONE = re.compile(r"worker (\d+) \(pid (\d+)\) (?:exited|left)")


def wait_until_ready(cli: Running, count: int, timeout: float = 20) -> set[int]:
    """Follow the log until exactly ``count`` workers are ready and have not left;
    their pids."""
    live: set[int] = set()

    def follow(line: str) -> bool:
        if match := READY.search(line):
            live.add(int(match.group(2)))
        elif match := GONE.search(line):
            live.discard(int(match.group(2)))
        return len(live) == count

    if not [follow(line) for line in list(cli.lines)][-1:] == [True]:
        cli.wait_for(follow, timeout=timeout, new_only=True)
    return live


def start(
    *options: str, workers: int = 2, env: dict[str, str] | None = None
) -> tuple[Running, int]:
    """``python -m cluster -w N OPTIONS sup_app.py PORT``, once every worker is ready."""
    port = free_port()
    cli = cluster_cli("-w", str(workers), *options, APP, str(port), env=env)
    try:
        cli.wait_for(lambda line: bool(READY.search(line)), count=workers)
    except BaseException:
        cli.kill()
        raise
    return cli, port


def stop(cli: Running) -> int:
    """SIGTERM to the primary alone (as Kubernetes and systemd's KillMode=mixed do)."""
    cli.proc.send_signal(signal.SIGTERM)
    return cli.finish(timeout=30)


def ready_pids(lines: list[str]) -> list[int]:
    return [int(m.group(2)) for line in lines if (m := READY.search(line))]


def lines_matching(cli: Running, predicate: Callable[[str], bool]) -> list[str]:
    return [line for line in cli.lines if predicate(line)]


def test_a_reload_under_load_replaces_every_worker_and_fails_no_request() -> None:
    """SIGHUP replaces 4 workers one at a time while 10,000 requests (fresh connections,
    8 clients) run: every one is answered, and the new workers serve the rest."""
    cli, port = start(workers=4)
    try:
        old = set(ready_pids(cli.lines))
        load = Load(port, clients=8, total=10_000)
        load.wait_done(1_000)
        cli.proc.send_signal(signal.SIGHUP)
        cli.wait_for(lambda line: "reload done" in line, timeout=40)
        cli.wait_for(lambda line: "exited (reload)" in line, count=4)  # the old ones drained
        with load.lock:
            assert load.done < 10_000, "the reload must happen under load"
            after_reload = load.answers.copy()
        load.finish()
        new = set(ready_pids(cli.lines)) - old
        assert load.failures == []
        assert load.done == 10_000
        assert len(new) == 4
        answered_late = {int(pid) for pid in load.answers - after_reload}
        assert answered_late and answered_late <= new
        assert stop(cli) == 0
        for pid in new:  # each worker's output lines carry its id and pid
            assert any(line.endswith(f"pid {pid}] serving {pid}") for line in cli.lines)
    finally:
        cli.kill()


def test_killed_workers_are_replaced_and_only_their_connections_fail() -> None:
    """kill -9 of a random worker every 300 ms for 10 s under load: the count is back
    to 4, and no more requests fail than there were kills (a single-threaded server
    holds one connection; those it had not taken yet go to the others)."""
    cli, port = start("--backoff", "100ms", "--backoff-max", "1s", workers=4)
    try:
        load = Load(port, clients=4, total=10**9)
        killed: set[int] = set()
        kills = 0
        primary = psutil.Process(cli.proc.pid)
        storm_ends = time.monotonic() + 10
        while time.monotonic() < storm_ends:
            children = primary.children()
            if children:
                victim = random.choice(children).pid
                os.kill(victim, signal.SIGKILL)
                killed.add(victim)
                kills += 1
            time.sleep(0.3)  # the storm's pace, not a synchronisation
        load.stop()
        cli.wait_for(
            lambda line: bool((m := GONE.search(line)) and int(m.group(2)) in killed),
            count=len(killed),
            timeout=20,
        )
        wait_until_ready(cli, 4)
        assert kills >= 25
        assert len(load.failures) <= kills, load.failures[:5]
        assert sum(load.answers.values()) > 1_000
        assert len(primary.children()) == 4
        assert raw_get(port)
        assert stop(cli) == 0
    finally:
        cli.kill()


def test_a_crash_looping_program_gives_up_with_a_clear_message(tmp_path: Path) -> None:
    """Every worker fails to boot: after 3 in a row the supervisor stops trying, says
    why and exits 1."""
    switch = tmp_path / "fail"
    switch.touch()
    port = free_port()
    cli = cluster_cli(
        "-w",
        "2",
        "--backoff",
        "10ms",
        "--max-boot-failures",
        "3",
        APP,
        str(port),
        env={"SUP_FAIL_BOOT": str(switch)},
    )
    try:
        assert cli.finish(timeout=30) == 1
        assert "giving up: 3 workers in a row failed to boot" in cli.output
        assert "exited with code 3" in cli.output
    finally:
        cli.kill()


def test_a_worker_failing_to_boot_never_takes_its_sibling_down(tmp_path: Path) -> None:
    """One worker is killed and its replacements fail to boot twice: the other keeps
    serving every request meanwhile, and once the program boots again the count is
    back to 2."""
    switch = tmp_path / "fail"
    cli, port = start("--backoff", "200ms", env={"SUP_FAIL_BOOT": str(switch)})
    try:
        load = Load(port, clients=2, total=10**9)
        switch.touch()
        victim = ready_pids(cli.lines)[0]
        os.kill(victim, signal.SIGKILL)
        cli.wait_for(lambda line: "boot failure in" in line, count=2)
        switch.unlink()
        wait_until_ready(cli, 2)
        load.stop()
        assert len(load.failures) <= 1  # at most the connection the victim held
        assert sum(load.answers.values()) > 50
        assert stop(cli) == 0
    finally:
        cli.kill()


def test_a_stuck_worker_is_dumped_killed_and_replaced() -> None:
    """A worker blocked in ``time.sleep(3600)`` in its handler takes no connection:
    after --timeout it gets SIGABRT (its stack is printed), then a replacement;
    every other request is answered meanwhile."""
    cli, port = start("--timeout", "2s")
    try:
        hung: list[BaseException] = []

        def hang() -> None:
            try:
                raw_get(port, "/hang", timeout=30)
            except OSError as exc:
                hung.append(exc)

        hanging = threading.Thread(target=hang)
        hanging.start()
        load = Load(port, clients=2, total=40)
        load.finish()
        [stuck] = cli.wait_for(
            lambda line: "has taken no connection handed to it" in line, timeout=20
        )
        pid = re.search(r"\(pid (\d+)\)", stuck).group(1)  # type: ignore[union-attr]
        cli.wait_for(lambda line: f"(pid {pid}) left (stuck" in line)
        wait_until_ready(cli, 2)
        hanging.join(10)
        assert load.failures == []
        assert hung, "the hung request's connection ends with its worker"
        assert "in do_GET" in cli.output  # faulthandler's dump, prefixed
        assert stop(cli) == 0
    finally:
        cli.kill()


def test_max_requests_recycles_workers_without_failing_a_request() -> None:
    """--max-requests 100 (+ up to 20 jitter): workers are replaced, ready-gated,
    three times while requests run, and every request is answered."""
    cli, port = start("--max-requests", "100", "--max-requests-jitter", "20")
    try:
        load = Load(port, clients=4, total=10**9)
        cli.wait_for(lambda line: "exited (recycle)" in line, count=3, timeout=30)
        load.stop()
        assert load.failures == []
        assert len(load.answers) >= 3  # more workers answered than the first two
        assert stop(cli) == 0
    finally:
        cli.kill()


def test_sigterm_lets_a_request_in_flight_finish_then_exits_0() -> None:
    """SIGTERM while a request takes 1 s: it is answered, and the primary exits 0
    without killing anyone."""
    cli, port = start("--graceful-timeout", "10s")
    try:
        answer: list[str] = []
        slow = threading.Thread(target=lambda: answer.append(raw_get(port, "/sleep/1")))
        slow.start()
        cli.wait_for(lambda line: "sleeping in" in line)
        assert stop(cli) == 0
        slow.join(10)
        assert answer and answer[0].strip().isdigit()
        assert "SIGKILL" not in cli.output
        assert "cluster: stopped" in cli.output
    finally:
        cli.kill()


def test_sigterm_kills_a_worker_that_does_not_drain_in_time() -> None:
    """A worker stuck in a request is SIGKILLed after --graceful-timeout; exit 0."""
    cli, port = start("--graceful-timeout", "1s", "--timeout", "0")
    try:
        hanging = threading.Thread(target=lambda: _ignore_os_error(raw_get, port, "/hang"))
        hanging.start()
        cli.wait_for(lambda line: "hanging in" in line)
        assert stop(cli) == 0
        assert "still running after 1s; SIGKILL" in cli.output
        hanging.join(10)
    finally:
        cli.kill()


def _ignore_os_error(fn: Callable[..., object], *args: object) -> None:
    try:
        fn(*args)
    except OSError:
        pass


def test_ttin_and_ttou_scale_and_a_reload_keeps_the_scaled_count() -> None:
    """SIGTTIN adds a worker, SIGTTOU removes one (drained), and SIGHUP then replaces
    exactly the scaled number."""
    cli, port = start()
    try:
        cli.proc.send_signal(signal.SIGTTIN)
        cli.wait_for(lambda line: "scaling from 2 to 3" in line)
        wait_until_ready(cli, 3)
        cli.proc.send_signal(signal.SIGTTOU)
        cli.wait_for(lambda line: "scaling from 3 to 2" in line)
        cli.wait_for(lambda line: "exited (scale)" in line)
        seen = len(cli.lines)
        cli.proc.send_signal(signal.SIGHUP)
        cli.wait_for(lambda line: "reload done" in line, timeout=30)
        assert len(ready_pids(cli.lines[seen:])) == 2
        assert raw_get(port)
        assert stop(cli) == 0
    finally:
        cli.kill()


def test_a_broken_deploy_aborts_the_reload_and_the_old_workers_keep_serving(
    tmp_path: Path,
) -> None:
    """The new code cannot boot: the first replacement fails, the rollout stops, and
    the workers that were serving still are."""
    switch = tmp_path / "fail"
    cli, port = start(env={"SUP_FAIL_BOOT": str(switch)})
    try:
        old = set(ready_pids(cli.lines))
        switch.touch()
        cli.proc.send_signal(signal.SIGHUP)
        cli.wait_for(lambda line: "reload aborted" in line, timeout=20)
        answers = {int(raw_get(port)) for _ in range(20)}
        assert answers == old
        assert stop(cli) == 0
    finally:
        cli.kill()


def test_a_second_hup_restarts_the_rollout_and_term_during_a_reload_wins() -> None:
    """HUP twice: every worker ready after the reload started after the second HUP;
    then TERM in the middle of a third reload stops everything, exit 0."""
    cli, port = start(env={"SUP_BOOT_DELAY": "0.3"})
    try:
        cli.proc.send_signal(signal.SIGHUP)
        cli.wait_for(lambda line: "reloading 2 workers" in line)
        cli.proc.send_signal(signal.SIGHUP)
        seen = len(cli.lines)
        cli.wait_for(lambda line: "reload done" in line, timeout=30)
        assert len(ready_pids(cli.lines[seen:])) >= 2
        cli.proc.send_signal(signal.SIGHUP)
        cli.wait_for(lambda line: "reloading 2 workers" in line, count=2)
        assert stop(cli) == 0
        assert "cluster: stopped" in cli.output
    finally:
        cli.kill()


def test_bad_options_are_one_line_exit_2_and_start_no_worker(tmp_path: Path) -> None:
    """An unknown option, a bad size or count, a missing script, a bad environment
    variable: one line naming it, exit 2, nothing started."""
    cases = [
        (["--bogus", APP], {}, "unrecognized arguments: --bogus"),
        (["--max-memory", "12Q", APP], {}, "invalid size '12Q'"),
        (["-w", "0", APP], {}, "invalid worker count '0'"),
        (["--timeout", "soon", APP], {}, "invalid duration 'soon'"),
        ([str(tmp_path / "missing.py")], {}, "no such script"),
        (["-m", "no_such_module_here"], {}, "no module named 'no_such_module_here'"),
        ([APP], {"CLUSTER_WORKERS": "lots"}, "environment variable CLUSTER_WORKERS"),
        ([], {}, "no program given"),
    ]
    for argv, env, message in cases:
        result = subprocess.run(
            [sys.executable, "-m", "cluster", *argv],
            capture_output=True,
            text=True,
            timeout=20,
            env={**os.environ, **env},
        )
        assert result.returncode == 2, (argv, result.stderr)
        assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
        assert result.stdout == ""


def test_help_lists_the_options_and_signals() -> None:
    """--help reads like gunicorn's: every option, the signals, the exit status."""
    result = subprocess.run(
        [sys.executable, "-m", "cluster", "--help"], capture_output=True, text=True, timeout=20
    )
    assert result.returncode == 0
    for word in (
        "--workers",
        "--max-requests-jitter",
        "--graceful-timeout",
        "HUP",
        "TTIN",
        "exit status",
        "CLUSTER_MAX_REQUESTS",
    ):
        assert word in result.stdout


def test_the_supervisor_as_a_library_tells_each_step_with_its_reason() -> None:
    """``Supervisor(...).run()`` in a primary script: events 'spawn', 'ready', 'exit'
    (with 'crash', then 'reload'), 'reloadStart'/'reloadEnd' and 'stop', in order."""
    from support import assert_ok, run_program

    lines = assert_ok(run_program("sup_library.py", timeout=40))
    assert lines[-1] == "stopped 0"
    reasons = [line.split()[-1] for line in lines if line.startswith("exit")]
    assert reasons[0] == "crash" and sorted(reasons[1:]) == ["reload", "reload", "stop", "stop"]


def test_a_worker_that_answers_no_ping_is_replaced() -> None:
    """A worker without servers (``--ready online``) that stops answering pings
    (SIGSTOP) is killed after --timeout and replaced."""
    port = free_port()
    cli = cluster_cli(
        "-w",
        "1",
        "--ready",
        "online",
        "--timeout",
        "1s",
        str(PROGRAMS / "sup_no_server.py"),
        str(port),
    )
    try:
        [first] = cli.wait_for(lambda line: bool(READY.search(line)))
        pid = int(READY.search(first).group(2))  # type: ignore[union-attr]
        os.kill(pid, signal.SIGSTOP)
        cli.wait_for(lambda line: f"(pid {pid}) has answered no ping" in line, timeout=20)
        cli.wait_for(lambda line: f"(pid {pid}) left (stuck" in line, timeout=20)
        wait_until_ready(cli, 1)
        assert stop(cli) == 0
    finally:
        cli.kill()


def test_memory_and_age_limits_recycle_without_failing_a_request() -> None:
    """--max-memory: a worker that grew past 100M is replaced after 3 samples in a
    row above it; --max-age: every worker is replaced after 3s. No request fails."""
    cli, port = start("--max-memory", "100M", workers=1)
    try:
        grown = int(raw_get(port, "/grow/150"))
        cli.wait_for(lambda line: f"(pid {grown}) exited (recycle)" in line, timeout=20)
        assert int(raw_get(port)) != grown
        assert stop(cli) == 0
    finally:
        cli.kill()
    cli, port = start("--max-age", "3s", workers=2)
    try:
        load = Load(port, clients=2, total=10**9)
        cli.wait_for(lambda line: "exited (recycle)" in line, count=2, timeout=20)
        load.stop()
        assert load.failures == []
        assert stop(cli) == 0
    finally:
        cli.kill()
