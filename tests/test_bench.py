"""Smoke test of the benchmark suite (bench/): each script, with ``--quick``, runs this
project and Node's cluster on tiny sizes, prints its table and exits 0, leaving no
process behind. No timing is asserted: the figures of a quick run mean nothing."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

import pytest

from support import ROOT

BENCH = ROOT / "bench"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="needs node (Node.js)")

SCRIPTS = [
    ("handoff.py", ["### handoff: new connection per request", "### handoff: ratios"]),
    ("keepalive.py", ["### keepalive: requests/s", "### keepalive: ratios"]),
    ("ipc.py", ["### ipc: messages between the primary and one worker"]),
    ("startup.py", ["### startup: milliseconds from fork()"]),
    ("scale.py", ["### scale: 4 workers, 200 connections held open"]),
    ("reload.py", ["### reload: 2 workers", "### reload: ratios"]),
    ("schedulers.py", ["| python ip-hash", "| node RR"]),
    ("reuseport.py", ["### reuseport: 2 workers", "### reuseport: targets"]),
    ("run_all.py", ["## cluster benchmarks (quick)", "### handoff:", "### scale:", "### reload:"]),
]


@pytest.mark.timeout(240)
@pytest.mark.parametrize(("script", "titles"), SCRIPTS, ids=[name for name, _ in SCRIPTS])
def test_quick_run_prints_its_table_and_exits_0(script: str, titles: list[str]) -> None:
    """The script runs Python and Node side by side on tiny sizes, prints its table(s)
    and exits 0; the load tools are not installed here (``BENCH_NO_INSTALL=1``: ab/wrk
    if present, else the Python load generator)."""
    result = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick"],
        capture_output=True,
        text=True,
        timeout=230,
        env={**os.environ, "BENCH_NO_INSTALL": "1"},
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    for title in titles:
        assert title in result.stdout, result.stdout
    assert "|--" in result.stdout  # a table was drawn


def test_quick_run_with_the_python_load_generator() -> None:
    """Without ab/wrk, the Python load generator stands in, and the table says so."""
    result = subprocess.run(
        [sys.executable, str(BENCH / "handoff.py"), "--quick", "--tool", "python"],
        capture_output=True,
        text=True,
        timeout=50,
        env={**os.environ, "BENCH_NO_INSTALL": "1"},
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "bench/_loadgen.py" in result.stdout
    assert "| python RR" in result.stdout


@pytest.mark.timeout(90)
def test_ctrl_c_ends_every_process_the_script_started() -> None:
    """Ctrl+C (SIGINT to the script alone: its servers run in sessions of their own)
    in the middle of a run: the script ends every server and load generator it started,
    by pid, and exits 130; the autouse fixture finds no process left behind."""
    proc = subprocess.Popen(
        [sys.executable, str(BENCH / "handoff.py"), "--quick", "--rounds", "500"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "BENCH_NO_INSTALL": "1"},
    )
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if "round 1/500" in line:
                break
        else:
            pytest.fail("the script ended before its first round")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert "every process started was ended" in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
