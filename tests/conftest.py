"""Every test that starts processes must leave none behind.

The test process becomes a *child subreaper*, so that a worker whose primary died is
re-parented to it instead of to init: a stray grandchild then shows up among its
children, and the fixture below fails the test that left it.
"""

from __future__ import annotations

import ctypes
import os

import psutil
import pytest

PR_SET_CHILD_SUBREAPER = 36
GRACE_SECONDS = 5.0


def pytest_configure(config: pytest.Config) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def _describe(proc: psutil.Process) -> str:
    try:
        return f"{proc.pid} {' '.join(proc.cmdline())}"
    except psutil.Error:
        return str(proc.pid)


@pytest.fixture(autouse=True)
def no_stray_processes() -> object:
    """Fail the test if any process it started is still running GRACE_SECONDS after it."""
    yield
    me = psutil.Process()
    children = me.children(recursive=True)
    _, alive = psutil.wait_procs(children, timeout=GRACE_SECONDS)
    strays = [_describe(proc) for proc in alive]
    for proc in alive:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=GRACE_SECONDS)
    while True:  # reap orphans re-parented to us
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
    if strays:
        pytest.fail("processes left behind: " + "; ".join(strays))
