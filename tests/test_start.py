"""Starting workers: fork(), setup_primary()/settings, env, argv, cwd, stdio, is_primary.

Ports of Node's ``start`` tests (see /work/shared/NODE-TESTS.md) plus SPEC.md's rules
for bad input. Each test runs a program from tests/programs as a real primary with real
workers; the program checks its own expectations and exits 0 when they all hold.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support import PROGRAMS, assert_ok, run_program


def test_one_worker_lives_and_dies_with_every_event_and_state() -> None:
    """Ports test-cluster-basic.js: fork/online/disconnect/exit fire on the module and
    the worker with the right arguments while the state walks none -> online ->
    disconnected -> dead, the first id is 1, and NODE_UNIQUE_ID is gone from the env.

    The 'listening' step of Node's test needs a worker server and is left to the
    servers tests; the worker reports with a message instead and is killed then.
    """
    lines = assert_ok(run_program("start_basic.py", timeout=20))
    assert lines == [
        "events: cluster.fork worker.online cluster.online worker.disconnect "
        "cluster.disconnect worker.exit cluster.exit"
    ]


def test_a_worker_made_by_hand_has_nodes_defaults_and_no_channel() -> None:
    """Ports test-cluster-worker-constructor.js (its call without ``new`` is a JS-ism):
    a bare ``Worker`` has state 'none', id 0 and no process, and keyword arguments set
    them. It has no channel, so send() says so. (No process is started: the object is
    made in this process.)"""
    import cluster

    bare = cluster.Worker()
    assert (bare.state, bare.id, bare.process) == ("none", 0, None)
    process = object()
    made = cluster.Worker(id=3, state="online", process=process)
    assert (made.state, made.id, made.process) == ("online", 3, process)
    with pytest.raises(RuntimeError, match="no channel"):
        bare.send("hello")


def test_stray_node_unique_id_without_a_channel_does_not_make_a_worker() -> None:
    """Ports test-cluster-basic.js (its inherited NODE_UNIQUE_ID check): a process
    that finds NODE_UNIQUE_ID in its environment but was not started by fork() is
    still the primary, and the worker it forks gets id 1 and no NODE_UNIQUE_ID."""
    result = run_program("start_basic.py", "stray-id", env={"NODE_UNIQUE_ID": "5"}, timeout=20)
    lines = assert_ok(result)
    assert lines[-1].startswith("events: cluster.fork worker.online")


def test_workers_start_in_the_primary_directory_unless_cwd_is_set(tmp_path: Path) -> None:
    """Ports test-cluster-cwd.js: settings has no cwd by default, so a worker starts
    in the primary's directory; after setup_primary(cwd=...) the next worker starts in
    that directory."""
    lines = assert_ok(run_program("start_cwd.py", str(tmp_path), cwd=PROGRAMS, timeout=20))
    assert sorted(lines) == [
        "worker 1 in the primary's directory",
        "worker 2 in the other directory",
    ]


def test_fork_env_adds_and_overrides_variables_as_strings() -> None:
    """Ports test-cluster-fork-env.js: the env given to fork() adds variables and
    overrides the primary's (values become str), the primary's own environment is
    untouched, and the worker's send() returns True."""
    assert assert_ok(run_program("start_fork_env.py", timeout=20)) == ["exit 0 None"]


def test_stdio_pipes_let_the_primary_talk_to_the_worker() -> None:
    """Ports test-cluster-fork-stdio.js (its spirit: only stdin/stdout/stderr are
    supported): with stdio=['pipe', 'pipe', 'pipe', 'ipc'] the primary writes to the
    worker's stdin and reads the echo from worker.process.stdout and its stderr."""
    result = run_program("start_fork_stdio.py", "stdio", timeout=20)
    assert assert_ok(result) == ["echoed foobar"]
    assert "worker 1 stderr" not in result.stderr


def test_silent_workers_output_goes_to_the_primary_pipes() -> None:
    """Ports test-cluster-fork-stdio.js with silent=True: the worker's stdin, stdout
    and stderr are pipes held by the primary, and nothing of it reaches the primary's
    own output."""
    result = run_program("start_fork_stdio.py", "silent", timeout=20)
    assert assert_ok(result) == ["echoed foobar"]
    assert "worker 1 stderr" not in result.stderr


def test_settings_args_is_a_snapshot_of_argv_at_setup() -> None:
    """Ports test-cluster-setup-primary-argv.js: settings['args'] is sys.argv[1:] as it
    was when setup_primary() ran (later changes to sys.argv do not show), and 'setup'
    fires."""
    lines = assert_ok(run_program("start_setup_primary_argv.py", "first", timeout=20))
    assert lines == ["setup args ['first', 'OMG,OMG', 'OMG,OMG']"]


def test_settings_start_empty_fill_defaults_and_merge() -> None:
    """Ports test-cluster-setup-primary-cumulative.js: settings is {} until first use,
    setup_primary() fills args/exec/exec_argv/silent, and later calls merge, keeping
    what they do not mention."""
    lines = assert_ok(run_program("start_setup_primary_cumulative.py", "arg", timeout=20))
    assert lines == [
        "ok sets defaults ['-u']",
        "ok overrides defaults",
        "ok preserves unchanged settings on repeated calls",
        "ok preserves current settings",
    ]


def test_every_setup_primary_call_emits_setup_with_its_settings() -> None:
    """Ports test-cluster-setup-primary-emit.js: 'setup' carries the settings each
    call made, also for a call without settings made from a 'setup' listener."""
    lines = assert_ok(run_program("start_setup_primary_emit.py", timeout=20))
    assert lines == ["first setup", "second setup"]


def test_timed_setup_primary_calls_each_emit_their_own_setup() -> None:
    """Ports test-cluster-setup-primary-multiple.js: three setup_primary() calls
    100 ms apart, from timer threads, give three 'setup' events in order, each with
    that call's exec."""
    lines = assert_ok(run_program("start_setup_primary_multiple.py", timeout=20))
    assert lines == ["setup events: ['python-next', 'python-next-2', 'python-next-3']"]


def test_setup_primary_args_and_silent_reach_both_workers() -> None:
    """Ports test-cluster-setup-primary.js: args and silent given to setup_primary()
    reach both workers, exec still defaults to the main script, and a 'setup'
    listener added after the call still hears it."""
    lines = assert_ok(run_program("start_setup_primary.py", timeout=20))
    assert lines == ["both workers got custom argument"]


def test_setup_fires_for_each_setup_primary_and_each_fork() -> None:
    """Node 20 behaviour (tests/node/FINDINGS.md scenario 14, twin-setup.js): 'setup'
    fires once per setup_primary() call and once per fork(), with one argument, in
    order with the 'fork' events, and settings merge call after call."""
    lines = assert_ok(run_program("start_setup_every_fork.py", timeout=20))
    assert lines == [
        "setup#1:['x1']:None setup#2:['x1']:json setup#3:['x1']:json fork:1 "
        "setup#4:['x1']:json fork:2"
    ]


def test_bad_settings_and_env_are_refused_at_the_call_and_change_nothing() -> None:
    """SPEC.md: setup_primary() raises for an unknown setting or a bad value, naming
    it, and keeps nothing of the refused call; fork(env) with a non-mapping raises
    TypeError and starts no worker (nor uses an id); env values are str()-converted;
    fork(), setup_primary() and disconnect() raise in a worker."""
    lines = assert_ok(run_program("start_bad_input.py", timeout=20))
    assert "worker refused fork, setup_primary, disconnect" in lines
    refusals = [line for line in lines if line.startswith("setup_primary(")]
    assert len(refusals) == 14
    assert sum(line.startswith("fork(") for line in lines) == 4


def test_bad_stdio_entries_are_refused_by_setup_primary() -> None:
    """SPEC.md: a stdio entry that is not 'pipe'/'inherit'/'ignore'/'ipc' or a
    descriptor (1.5, -5, an arbitrary object) is refused by setup_primary(), naming
    stdio, instead of being kept until fork() fails in the OS call."""
    assert_ok(run_program("start_bad_input.py", "stdio-entries", timeout=20))
