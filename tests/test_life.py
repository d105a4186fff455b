"""A worker's life and death: exit, kill, destroy, disconnect, is_dead/is_connected,
exited_after_disconnect, the primary's own death, and signals.

Ports of Node's ``test-cluster-*`` tests of the ``life`` area (/work/shared/NODE-TESTS.md),
plus the event sequences recorded from Node 20 in tests/node/FINDINGS.md. Each test runs a
real primary (``tests/programs/life_*.py``) that forks real workers and checks itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import psutil
import pytest

from support import PROGRAMS, assert_ok, run_program

TIMEOUT = 30


# -- helpers for the tests that watch a primary from outside ---------------------------------


def start(name: str, *args: str, new_session: bool = False) -> subprocess.Popen[str]:
    """Start ``tests/programs/<name>`` as a primary that the test talks to while it runs."""
    return subprocess.Popen(
        [sys.executable, "-u", str(PROGRAMS / name), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=new_session,
        # As from a terminal: SIGINT at its default even if this test runs in the
        # background of a shell, which ignores it (an ignored signal survives exec).
        preexec_fn=_default_sigint if new_session else None,
    )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def read_until(proc: subprocess.Popen[str], last: str, timeout: float = 20) -> list[str]:
    """The primary's stdout lines up to and including ``last``.

    A watchdog kills the primary if ``last`` does not come in time (its workers follow it).
    """
    watchdog = threading.Timer(timeout, proc.kill)
    watchdog.start()
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for raw in proc.stdout:
            lines.append(raw.rstrip("\n"))
            if lines[-1] == last:
                return lines
    finally:
        watchdog.cancel()
    _, err = proc.communicate(timeout=TIMEOUT)
    pytest.fail(f"no {last!r} line; stdout: {lines}; stderr:\n{err}")


def worker_processes(lines: list[str]) -> list[psutil.Process]:
    """The workers named by ``worker <pid>`` lines (taken while the workers still run)."""
    pids = [int(line.split()[1]) for line in lines if line.startswith("worker ")]
    assert pids, lines
    return [psutil.Process(pid) for pid in pids]


def assert_all_gone(workers: list[psutil.Process], timeout: float = 5) -> list[int | None]:
    """Every worker ends within ``timeout`` seconds; their exit statuses where known.

    The test process is a child subreaper (tests/conftest.py), so the workers of a dead
    primary become its children: ``wait_procs`` reaps them and reports their status.
    """
    gone, alive = psutil.wait_procs(workers, timeout=timeout)
    assert not alive, f"workers outlived their primary: {[proc.pid for proc in alive]}"
    return [proc.returncode for proc in gone]


def assert_quiet(stderr: str) -> None:
    """No traceback, and no 'Exception ignored' message, from any process."""
    assert "Traceback" not in stderr, stderr
    assert "Exception ignored" not in stderr, stderr


# -- every way a worker ends, as the primary sees it (FINDINGS.md §1-12) ---------------------


def snap(state: str, ead: bool | None, connected: bool, dead: bool, in_workers: bool) -> str:
    return f"state={state} ead={ead} connected={connected} dead={dead} in_workers={in_workers}"


def both(event: str, snapshot: str) -> list[str]:
    """The event on the worker, then on the module: Node's order."""
    return [f"worker.{event} {snapshot}", f"cluster.{event} {snapshot}"]


ONLINE = both("online", snap("online", None, True, False, True))
RUNNING = snap("online", None, True, False, True)
PRIMARY_DISCONNECTED = [
    f"after primary-disconnect {snap('online', True, True, False, False)}",
    *both("disconnect", snap("disconnected", True, False, False, False)),
    *both("exit 0 None", snap("dead", True, False, True, False)),
]


def killed(how: str, sig: str) -> list[str]:
    """Killed by the primary or from outside: nothing changes at the call, then
    'disconnect' (not deliberate, still in cluster.workers) and 'exit' by ``sig``."""
    return [
        *ONLINE,
        f"after {how} {RUNNING}",
        *both("disconnect", snap("disconnected", False, False, False, True)),
        *both(f"exit None {sig}", snap("dead", False, False, True, False)),
    ]


def ended_by_worker(code: int, deliberate: bool) -> list[str]:
    """The worker ends itself: 'disconnect' while still in cluster.workers, then 'exit'."""
    return [
        *ONLINE,
        *both("disconnect", snap("disconnected", deliberate, False, False, True)),
        *both(f"exit {code} None", snap("dead", deliberate, False, True, False)),
    ]


ENDINGS = {
    # primary-side worker.kill(): SIGTERM at once, no disconnect first (FINDINGS §3)
    "kill": killed("kill", "SIGTERM"),
    # worker.kill("SIGKILL") (§4) and a SIGKILL from outside the cluster (§6)
    "kill-sigkill": killed("kill-sigkill", "SIGKILL"),
    "external-sigkill": killed("external-sigkill", "SIGKILL"),
    # primary-side worker.disconnect(): deliberate, out of cluster.workers at once (§7)
    "primary-disconnect": [*ONLINE, *PRIMARY_DISCONNECTED],
    # the worker's script just ends: it stays alive until disconnected (§12)
    "idle-ends": [*ONLINE, f"after a quiet while {RUNNING}", *PRIMARY_DISCONNECTED],
    # the worker's own cluster.worker.disconnect() and cluster.worker.kill() (§8, §9)
    "self-disconnect": ended_by_worker(0, deliberate=True),
    "self-kill": ended_by_worker(0, deliberate=True),
    # the worker's cluster.process.disconnect(): it exits 0, not deliberate (§10)
    "process-disconnect": ended_by_worker(0, deliberate=False),
    # cluster.process.exit(42) (§1), sys.exit(5), an uncaught exception (§11)
    "process-exit": ended_by_worker(42, deliberate=False),
    "sys-exit": ended_by_worker(5, deliberate=False),
    "uncaught": ended_by_worker(1, deliberate=False),
}


@pytest.mark.parametrize("how", list(ENDINGS))
def test_each_way_a_worker_ends_gives_nodes_event_sequence(how: str) -> None:
    """Ports the lifecycle recorded from Node 20 (tests/node/FINDINGS.md §1-12, twin-*.js):
    each way a worker ends gives, on the primary, 'disconnect' then 'exit', each on the
    worker before the module, with Node's state, exited_after_disconnect, is_connected(),
    is_dead() and cluster.workers membership at every step."""
    result = run_program("life_ends.py", how, timeout=TIMEOUT)
    lines = assert_ok(result)
    assert lines == ENDINGS[how], result.stderr
    if how == "uncaught":
        assert "RuntimeError: boom in the worker" in result.stderr


# -- ports of Node's tests ---------------------------------------------------------------------


def test_worker_exit_code_reaches_both_exit_events() -> None:
    """Ports test-cluster-worker-death.js: a worker that exits with 42 gives the worker's
    'exit' (42, None) and the module's 'exit' with that same worker."""
    assert_ok(run_program("life_worker_death.py", timeout=TIMEOUT))


def test_worker_exiting_by_itself_disconnects_then_exits_once() -> None:
    """Ports test-cluster-worker-exit.js (the part without a server): a worker calling
    exit(42) gives exactly one 'disconnect' and one 'exit' on worker and module, code 42,
    state 'disconnected', exited_after_disconnect False, and its process is gone."""
    assert assert_ok(run_program("life_worker_exit.py", timeout=TIMEOUT)) == ["checked"]


def test_worker_killed_from_outside_reports_sigkill() -> None:
    """Ports test-cluster-worker-kill.js: a SIGKILL sent to the worker's process gives one
    'disconnect' then one 'exit' (None, 'SIGKILL') on worker and module, state
    'disconnected', exited_after_disconnect False, and the process is gone."""
    assert assert_ok(run_program("life_worker_kill.py", timeout=TIMEOUT)) == ["checked"]


def test_worker_kill_with_a_signal_ends_it_by_that_signal() -> None:
    """Ports test-cluster-worker-kill-signal.js: worker.kill('SIGKILL') ends the worker by
    SIGKILL, exited_after_disconnect False, and cluster.workers is empty at 'exit'."""
    assert assert_ok(run_program("life_worker_kill_signal.py", timeout=TIMEOUT)) == ["checked"]


def test_busy_worker_is_ended_by_sigterm() -> None:
    """Ports test-cluster-kill-infinite-loop.js: a worker spinning in a loop is ended by
    worker.process.kill(), and 'exit' reports (None, 'SIGTERM')."""
    assert_ok(run_program("life_kill_infinite_loop.py", timeout=TIMEOUT))


def test_self_kill_and_self_disconnect_are_both_deliberate() -> None:
    """Ports test-cluster-kill-disconnect.js: a worker that calls kill() or disconnect() on
    itself is seen by the primary with exited_after_disconnect True at 'disconnect' and
    'exit'."""
    assert_ok(run_program("life_kill_disconnect.py", timeout=TIMEOUT))


def test_worker_own_disconnect_and_kill_mark_it_at_once() -> None:
    """Ports twin-worker-self-disconnect.js and twin-worker-self-kill.js (tests/node,
    FINDINGS.md §8, §9): in the worker, disconnect() returns
    the worker already 'disconnecting' with exited_after_disconnect True, and kill()
    leaves it 'destroying' with exited_after_disconnect True; both workers exit 0."""
    lines = assert_ok(run_program("life_self_end_flags.py", timeout=TIMEOUT))
    assert sorted(lines) == ["disconnect exit 0 None", "kill exit 0 None"]


def test_primary_can_destroy_a_worker_from_its_disconnect_listener() -> None:
    """Ports test-cluster-call-and-destroy.js: after a worker disconnects itself, the
    primary's 'disconnect' listener sees is_connected() False and may call destroy()."""
    assert_ok(run_program("life_call_and_destroy.py", timeout=TIMEOUT))


def test_many_workers_disconnecting_and_destroying_at_once_all_exit_0() -> None:
    """Ports test-cluster-concurrent-disconnect.js: workers told at the same moment to
    disconnect or destroy themselves all exit with code 0 and no signal."""
    assert_ok(run_program("life_concurrent_disconnect.py", timeout=TIMEOUT))


def test_cluster_disconnect_skips_an_already_disconnected_worker() -> None:
    """Ports test-cluster-disconnect-before-exit.js: cluster.disconnect() called from the
    'disconnect' listener of a worker that is disconnected but not yet dead does not fail."""
    assert_ok(run_program("life_disconnect_before_exit.py", timeout=TIMEOUT))


def test_disconnecting_a_worker_while_forking_another_lets_both_exit_0() -> None:
    """Ports test-cluster-disconnect-race.js (without the server): forking a second worker
    while disconnecting the first, then disconnecting the second at 'online', ends with
    both exiting 0."""
    assert_ok(run_program("servers_disconnect_race.py", "no-server", timeout=TIMEOUT))


def test_cluster_disconnect_right_after_fork_still_gives_disconnect_and_exit() -> None:
    """Ports test-cluster-disconnect-leak.js (without the server): cluster.disconnect()
    right after fork(), before the worker is online, still gives the worker's
    'disconnect' and 'exit' and the module's 'exit'; the worker exits 0."""
    lines = assert_ok(run_program("servers_disconnect_leak.py", "no-server", timeout=TIMEOUT))
    assert lines == ["exit 0 None"]


def test_cluster_disconnect_from_one_workers_disconnect_ends_everything() -> None:
    """Ports test-cluster-disconnect-unshared-tcp.js (without the server): disconnecting
    one worker and, from its 'disconnect' listener, the whole cluster while another
    worker runs lets both workers exit 0 and the primary end."""
    assert_ok(run_program("life_disconnect_unshared.py", timeout=TIMEOUT))


def test_worker_disconnect_waits_for_the_primarys_acknowledgement() -> None:
    """Ports test-cluster-disconnect-exitedAfterDisconnect-race.js: a worker disconnecting
    itself closes its channel only after the primary has recorded the exit as deliberate
    (exited_after_disconnect True at the primary's 'disconnect'), and exits 0."""
    assert_ok(run_program("life_disconnect_ack_race.py", timeout=TIMEOUT))


def test_cluster_disconnect_calls_back_with_idle_workers_gone() -> None:
    """Ports test-cluster-disconnect-idle-worker.js: fork() works called through a plain
    name, and cluster.disconnect(callback) with idle workers calls back once
    cluster.workers is empty."""
    lines = assert_ok(run_program("life_disconnect_idle_worker.py", timeout=TIMEOUT))
    assert lines == ["workers at callback: {}"]


def test_cluster_disconnect_without_workers_calls_back_asynchronously() -> None:
    """Ports test-cluster-disconnect-with-no-workers.js: cluster.disconnect(callback) with
    no workers still calls back, later and in the event context, not inside the call."""
    assert_ok(run_program("life_disconnect_no_workers.py", "main", timeout=TIMEOUT))


def test_disconnect_callback_queued_from_a_callback_runs_before_the_primary_exits() -> None:
    """Ports test-cluster-disconnect-with-no-workers.js, made deterministic: a
    cluster.disconnect(callback) called from a cluster callback calls back only after
    that call has returned, and the primary does not exit with the callback still
    pending (Node's next tick always runs)."""
    for _ in range(3):  # the primary's exit races with the pending callback
        assert_ok(run_program("life_disconnect_no_workers.py", "nested", timeout=TIMEOUT))


def test_worker_destroy_works_connected_and_after_disconnect() -> None:
    """Ports test-cluster-worker-destroy.js: a worker may destroy() itself while connected
    or from its 'disconnect' listener after disconnect(); the primary sees 'disconnect'
    and 'exit' for both, and both exit 0."""
    lines = assert_ok(run_program("life_worker_destroy.py", timeout=TIMEOUT))
    assert lines == ["exit 0 None", "exit 0 None"]


def test_primary_disconnect_runs_the_workers_own_disconnect_listener() -> None:
    """Ports test-cluster-worker-disconnect.js (disconnecting at 'online' instead of at
    'listening'): worker.disconnect() returns the worker, 'disconnect' and 'exit' fire on
    worker and module with state 'disconnected' and exited_after_disconnect True, the
    worker's own 'disconnect' listener runs (its exit code 42 proves it), and the process
    is gone."""
    assert_ok(run_program("life_worker_disconnect.py", timeout=TIMEOUT))


def test_closing_the_raw_channel_forces_the_worker_out() -> None:
    """Ports test-cluster-worker-forced-exit.js: after worker.disconnect() the worker runs
    its own 'disconnect' logic (exit 42 a moment later), but after
    worker.process.disconnect() it exits at once with 0."""
    assert_ok(run_program("life_worker_forced_exit.py", timeout=TIMEOUT))


def test_worker_script_runs_to_the_end_when_disconnected_at_online() -> None:
    """Ports the ordering that test-cluster-worker-forced-exit.js and
    test-cluster-worker-disconnect.js rely on: a worker handles the primary's disconnect
    only after its script's first run (Node handles no message before), so a primary that
    disconnects at 'online' lets the worker's whole script run and its 'disconnect'
    listeners hear the event."""
    result = run_program("life_disconnect_at_online.py", timeout=TIMEOUT)
    assert assert_ok(result) == ["worker script done", "worker disconnect", "exit 0 None"]


def test_is_connected_is_true_after_fork_and_false_at_disconnect() -> None:
    """Ports test-cluster-worker-isconnected.js: is_connected() is True right after fork()
    on both sides, and False inside both sides' 'disconnect' listeners."""
    assert_ok(run_program("life_worker_is_connected.py", timeout=TIMEOUT))


def test_is_dead_is_false_until_exit() -> None:
    """Ports test-cluster-worker-isdead.js: is_dead() is False right after fork() and
    inside the worker, and True once 'exit' fires."""
    assert_ok(run_program("life_worker_is_dead.py", timeout=TIMEOUT))


def test_worker_disconnecting_its_own_channel_exits_normally() -> None:
    """Ports test-cluster-process-disconnect.js (without the server): a worker that calls
    cluster.process.disconnect() exits with code 0 and no signal."""
    assert_ok(run_program("life_process_disconnect.py", timeout=TIMEOUT))


def test_disconnected_worker_lives_while_its_own_work_runs() -> None:
    """Ports test-cluster-worker-no-exit.js (partial: a non-daemon thread plays Node's open
    connection): a disconnected worker does not exit while a thread of its own still
    reads from a connection, and exits 0 once the primary closes that connection."""
    assert_ok(run_program("life_worker_no_exit.py", timeout=TIMEOUT))


def test_users_excepthook_decides_the_primarys_exit_code() -> None:
    """Ports test-cluster-uncaught-exception.js (partial: sys.excepthook plays Node's
    'uncaughtException'): a handler the user installs for uncaught exceptions takes
    precedence over the cluster's, so the primary exits with the code it chose (42)."""
    result = run_program("life_uncaught_exception.py", timeout=TIMEOUT)
    assert result.returncode == 42, result.stderr


# -- the primary's death ----------------------------------------------------------------------


def test_workers_do_not_outlive_a_primary_that_exits() -> None:
    """Ports test-cluster-primary-kill.js: when the primary exits normally
    (cluster.process.exit(0)) while its workers run, no worker outlives it."""
    proc = start("life_primary_death.py", "exit")
    workers = worker_processes(read_until(proc, "all online"))
    assert proc.wait(TIMEOUT) == 0
    assert_all_gone(workers)
    proc.communicate(timeout=TIMEOUT)


def test_workers_do_not_outlive_a_primary_that_crashes_in_a_callback() -> None:
    """Ports test-cluster-primary-error.js: when the primary dies of an uncaught exception
    in a cluster listener (exit status 1) after its workers are up, they all go too."""
    proc = start("life_primary_death.py", "raise-in-callback")
    workers = worker_processes(read_until(proc, "all online"))
    assert proc.wait(TIMEOUT) == 1
    assert_all_gone(workers)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert "RuntimeError: accidental error" in err


def test_workers_do_not_outlive_a_primary_whose_script_raises() -> None:
    """Ports test-cluster-primary-error.js, with the error raised by the main script: a
    primary whose script raises once its workers are online exits with 1, and every
    worker goes with it."""
    proc = start("life_primary_death.py", "raise-in-script")
    workers = worker_processes(read_until(proc, "all online"))
    assert proc.wait(TIMEOUT) == 1
    assert_all_gone(workers)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert "RuntimeError: accidental error in the main script" in err


def test_workers_do_not_outlive_a_primary_killed_by_sigkill() -> None:
    """Ports twin-primary-signal.js SIGKILL (tests/node, FINDINGS.md §16): a primary
    killed with SIGKILL (no chance to clean up) takes its workers with it within a few
    seconds; no orphan is left."""
    proc = start("life_primary_death.py", "wait")
    workers = worker_processes(read_until(proc, "all online"))
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(TIMEOUT) == -signal.SIGKILL
    assert_all_gone(workers)
    proc.communicate(timeout=TIMEOUT)


def test_workers_of_a_killed_primary_exit_0_as_in_node() -> None:
    """Ports twin-primary-signal.js SIGKILL (tests/node, FINDINGS.md §16): when the
    primary is killed, each worker sees its channel close and exits by itself with code
    0 (its exit handlers run), rather than being killed."""
    proc = start("life_primary_death.py", "wait")
    workers = worker_processes(read_until(proc, "all online"))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(TIMEOUT)
    assert assert_all_gone(workers) == [0, 0]
    proc.communicate(timeout=TIMEOUT)


def test_primary_lives_on_after_its_script_while_it_has_workers() -> None:
    """Ports twin-idle-ends.js's primary (tests/node, FINDINGS.md §12) and SPEC.md's
    "Lifetime of the primary": the primary's main script ends while it has a worker; it
    lives on, its listeners still run, and it exits 0 by itself once the worker is gone."""
    lines = assert_ok(run_program("life_primary_lives_on.py", timeout=TIMEOUT))
    assert lines == ["end of the script", "pong, after the end of the script", "worker exited"]


def test_a_never_ending_primary_that_hears_every_event_keeps_no_exited_worker() -> None:
    """docs/node-differences.md ("Held events"): a primary whose main script never ends
    holds the events nobody listens to; one that gives each of the module's events a
    listener keeps nothing of its exited workers (30 started one after another)."""
    lines = assert_ok(run_program("life_never_ending_primary.py", "heard", timeout=TIMEOUT))
    assert lines == ["exited workers freed: 29"]


def test_what_a_never_ending_primary_holds_is_bounded() -> None:
    """docs/node-differences.md ("Held events"): while the main script runs, at most
    1,000 occurrences of an event (other than 'message') are held for one emitter, the
    oldest going with a RuntimeWarning, and an exited worker that the program cannot
    reach is freed with what is held for it."""
    result = run_program("life_never_ending_primary.py", "bounded", timeout=TIMEOUT)
    assert assert_ok(result) == [
        "setup events heard after the limit: 1001",
        "exited workers freed: 24",
    ]
    assert "more than 1000 'setup' events arrived before any listener" in result.stderr
    assert "more than 5 'online' events arrived before any listener" in result.stderr


# -- signals ------------------------------------------------------------------------------------


def test_ctrl_c_ends_primary_and_workers_quietly() -> None:
    """Ports twin-primary-signal.js SIGINT-group (tests/node, FINDINGS.md §17): Ctrl+C
    (SIGINT to the whole process group) with no SIGINT listener kills the primary by
    SIGINT (returncode -2), its workers go too, and no process prints a traceback."""
    proc = start("life_ctrl_c.py", "plain", new_session=True)
    workers = worker_processes(read_until(proc, "both ready"))
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == -signal.SIGINT, err
    assert_all_gone(workers)
    assert_quiet(err)


def test_ctrl_c_while_workers_start_up_is_quiet_too() -> None:
    """Ports twin-primary-signal.js SIGINT-group (tests/node, FINDINGS.md §17), sent
    early: Ctrl+C right after fork() returns, while the workers' interpreters are still
    starting and importing; every process still dies by SIGINT without a traceback, as
    Node's do (SIGINT's default action until a listener is added). Done three times:
    where in its start-up a worker is hit varies."""
    for _ in range(3):
        proc = start("life_ctrl_c.py", "early", new_session=True)
        workers = worker_processes(read_until(proc, "forked"))
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == -signal.SIGINT, err
        assert_all_gone(workers)
        assert_quiet(err)


def test_ctrl_c_with_a_sigint_listener_lets_the_primary_shut_down_cleanly() -> None:
    """Ports twin-primary-signal.js SIGINT-group-trapped (tests/node, FINDINGS.md §17):
    Ctrl+C to the process group when the primary listens for SIGINT and disconnects its
    workers: the workers end (by SIGINT, as in Node), the primary hears both 'exit'
    events and exits 0, and no process prints a traceback."""
    proc = start("life_ctrl_c.py", "trapped", new_session=True)
    workers = worker_processes(read_until(proc, "both ready"))
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, f"{out}\n{err}"
    assert_all_gone(workers)
    rest = out.splitlines()
    assert rest[0] == "primary got SIGINT", rest
    assert sorted(line.split()[1] for line in rest[1:]) == ["1", "2"], rest
    assert_quiet(err)


def test_worker_sigterm_listener_runs_on_kill_and_chooses_the_exit_code() -> None:
    """Ports twin-kill-default.js trap mode (tests/node, FINDINGS.md §3-6): with
    cluster.process.on('SIGTERM', fn) in a worker, the primary's worker.kill() runs fn
    there, which sends a last message and exits with a code of its choosing (7); the
    primary sees (7, None) and exited_after_disconnect False."""
    lines = assert_ok(run_program("life_worker_sigterm.py", timeout=TIMEOUT))
    assert lines == ["exit 7 None"]
