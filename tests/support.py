"""Running test programs: real primaries, each in its own process, with real workers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROGRAMS = Path(__file__).parent / "programs"
ROOT = Path(__file__).parent.parent


def run_program(
    name: str,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 30,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``tests/programs/<name>`` as a primary; return its exit status and output."""
    path = name if os.path.isabs(name) else str(PROGRAMS / name)
    return subprocess.run(
        [sys.executable, "-u", path, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )


def assert_ok(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The program exited 0; return its stdout lines."""
    assert result.returncode == 0, (
        f"exit status {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )
    return result.stdout.splitlines()
