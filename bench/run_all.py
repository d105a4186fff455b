"""Every benchmark, one after the other; their tables, with the machine's facts.

    python bench/run_all.py [--quick] [--profile]

``--quick`` (tiny sizes) is passed to every script; ``--profile`` to handoff.py (py-spy
on the Python primary). The load tools are installed (or found missing) once, here.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as c  # noqa: E402

SCRIPTS = [
    "handoff.py", "keepalive.py", "ipc.py", "startup.py", "scale.py", "reload.py",
    "schedulers.py", "reuseport.py",
]
SCRIPT_TIMEOUT = 1800  # seconds; a full run of the slowest takes a few minutes


def run_script(name: str, extra: list[str], env: dict[str, str]) -> int:
    """Run one benchmark script (its output goes straight to ours); its exit status."""
    proc = subprocess.Popen([c.PYTHON, str(c.BENCH / name), *extra], env=env)
    try:
        return proc.wait(timeout=SCRIPT_TIMEOUT)
    except subprocess.TimeoutExpired:
        print(f"{name}: still running after {SCRIPT_TIMEOUT}s; ended", file=sys.stderr)
        return -1
    finally:
        if proc.poll() is None:
            # Ctrl+C reached it too (same process group): give it time to end its own
            # processes, then end it by pid
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def load_average() -> str:
    """The 1-minute load average: how busy this shared machine was (we add ~2-5)."""
    try:
        with open("/proc/loadavg") as loadavg:
            return loadavg.read().split()[0]
    except OSError:
        return "n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--profile", action="store_true", help="py-spy in handoff.py")
    args = parser.parse_args()

    tools = c.load_tools()
    env = dict(os.environ, BENCH_NO_INSTALL="1")  # installed (or not) once, here
    print(f"## cluster benchmarks{' (quick)' if args.quick else ''}\n")
    print(
        f"Machine: {c.machine_facts()}.\n"
        f"Load: new connection per request by {tools['close']}, "
        f"keep-alive by {tools['keepalive']}.\n",
        flush=True,
    )
    failed = []
    for name in SCRIPTS:
        extra = ["--quick"] if args.quick else []
        if args.profile and name == "handoff.py":
            extra.append("--profile")
        started, before = time.monotonic(), load_average()
        code = run_script(name, extra, env)
        print(
            f"({name}: {time.monotonic() - started:.0f} s, exit status {code}; load average "
            f"(1 min) {before} before, {load_average()} after.)\n",
            flush=True,
        )
        if code != 0:
            failed.append(f"{name} ({code})")
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    c.main_wrapper(main)
