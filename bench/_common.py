"""What every benchmark script shares: programs, CPU and memory readings, load tools, tables.

- :class:`Program` starts a server program (a cluster primary, Python's or Node's) in a
  session of its own, waits for the JSON lines it prints (``{"event": "ready", ...}``),
  and ends it: its stdin is closed (the program's cue to stop), then every process it
  started is killed *by pid* if it has not gone by itself.
- :func:`session` wraps a script's ``main``: whatever happens (an error, Ctrl+C,
  SIGTERM), every program and load generator started inside it is ended.
- :func:`cpu_us` reads a process's CPU time from ``/proc/PID/stat``; :func:`rss_kb`
  its resident memory from ``/proc/PID/status``.
- :func:`load_tools` makes ``ab`` and ``wrk`` available (Debian's packages, installed
  once) or says that the Python load generator (``bench/_loadgen.py``) stands in.
- :func:`median`, :func:`percentile`, :func:`print_table`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import psutil

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable
NODE = shutil.which("node") or "node"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SCHEDSTAT = os.path.exists("/proc/self/schedstat")  # the kernel counts run time in ns

_running: list[Program] = []
_tools_running: list[subprocess.Popen[str]] = []
_registry_lock = threading.Lock()


# -- processes ----------------------------------------------------------------------------


def cache_bytecode() -> None:
    """Compile the package's modules to ``__pycache__`` now, as any first run would:
    with ``PYTHONDONTWRITEBYTECODE`` set (some machines set it) every worker would
    otherwise compile the package from source at each start, which is not what a
    deployed server pays."""
    import compileall

    compileall.compile_dir(str(ROOT / "cluster"), quiet=1)



def program_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a program: this one's, with the project importable."""
    env = dict(os.environ)
    path = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + path if path else "")
    for name in ("NODE_CLUSTER_SCHED_POLICY", "CLUSTER_SCHED_POLICY", "NODE_UNIQUE_ID"):
        env.pop(name, None)
    env.update(extra or {})
    return env


class Program:
    """A program that prints one JSON object per line on stdout (other lines are kept
    as text), and stops when its stdin closes."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str] | None = None) -> None:
        self.name = name
        self.argv = list(argv)
        self._stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=program_env(env),
            cwd=str(BENCH),
            start_new_session=True,
        )
        self.pid = self.proc.pid
        self.known: dict[int, psutil.Process] = {}  # every descendant seen, by pid
        self._note(self.pid)
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.text: list[str] = []
        with _registry_lock:
            _running.append(self)
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def _note(self, pid: int) -> None:
        if pid not in self.known:
            with contextlib.suppress(psutil.Error):
                self.known[pid] = psutil.Process(pid)

    def note_descendants(self) -> None:
        """Remember every process below this one now (so it can be ended by pid later,
        even if it is re-parented)."""
        with contextlib.suppress(psutil.Error):
            for child in psutil.Process(self.pid).children(recursive=True):
                self._note(child.pid)

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()

    def wait_event(self, event: str, timeout: float) -> dict[str, Any]:
        """The next JSON line whose ``event`` is ``event``."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    f"{self.name}: no {event!r} within {timeout:.0f}s\n"
                    f"stdout: {self.text[-20:]}\nstderr: {self.stderr()[-3000:]}"
                )
            try:
                line = self._lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if line is None:
                self._lines.put(None)
                raise RuntimeError(
                    f"{self.name} ended (status {self.proc.wait()}) before {event!r}\n"
                    f"stdout: {self.text[-20:]}\nstderr: {self.stderr()[-3000:]}"
                )
            try:
                message = json.loads(line)
            except ValueError:
                self.text.append(line)
                continue
            if isinstance(message, dict) and message.get("event") == event:
                for pid in message.get("workers", ()):
                    self._note(int(pid))
                self.note_descendants()
                return message
            self.text.append(line)

    def tell(self, command: str) -> None:
        """One line on the program's stdin."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def stop(self, timeout: float = 10.0, wait_for: str | None = None) -> dict[str, Any] | None:
        """Close stdin (the program's cue to stop), wait for it to exit, then end by pid
        whatever it started and is still there. With ``wait_for``, return that event."""
        self.note_descendants()
        result = None
        try:
            if self.proc.stdin is not None and not self.proc.stdin.closed:
                with contextlib.suppress(OSError):
                    self.proc.stdin.close()
            if wait_for is not None:
                with contextlib.suppress(TimeoutError, RuntimeError):
                    result = self.wait_event(wait_for, timeout)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=timeout)
        finally:
            self.kill()
        return result

    def kill(self) -> None:
        """SIGKILL this program and every process of it still running, each by pid."""
        self.note_descendants()
        alive = []
        for proc in self.known.values():
            try:
                if proc.is_running():  # same pid *and* same start time
                    proc.send_signal(signal.SIGKILL)
                    alive.append(proc)
            except psutil.Error:
                pass
        psutil.wait_procs(alive, timeout=5)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        with _registry_lock:
            if self in _running:
                _running.remove(self)

    def worker_pids(self) -> list[int]:
        return [pid for pid in self.known if pid != self.pid]


def run_tool(argv: Sequence[str], timeout: float) -> tuple[int, str]:
    """Run a load generator; its status and output (stdout and stderr). Killed (by pid)
    when it outlives ``timeout`` or when the script is interrupted."""
    proc = subprocess.Popen(
        list(argv),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env=program_env(),
        start_new_session=True,
    )
    with _registry_lock:
        _tools_running.append(proc)
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        return -9, out + f"\n[killed after {timeout:.0f}s]"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        with _registry_lock:
            _tools_running.remove(proc)


def end_everything() -> None:
    """Every program and tool still running, ended by pid."""
    with _registry_lock:
        tools, programs = list(_tools_running), list(_running)
    for proc in tools:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for program in programs:
        program.kill()


def _sigterm(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def session() -> Iterator[None]:
    """Whatever happens inside (error, Ctrl+C, SIGTERM), every process started is ended."""
    previous = signal.signal(signal.SIGTERM, _sigterm)
    try:
        yield
    finally:
        end_everything()
        signal.signal(signal.SIGTERM, previous)


def main_wrapper(main: Callable[[], int]) -> None:
    try:
        with session():
            code = main()
    except KeyboardInterrupt:
        print("interrupted; every process started was ended", file=sys.stderr)
        code = 130
    sys.exit(code)


# -- options ------------------------------------------------------------------------------


def load_options(description: str, max_seconds: float = 30.0) -> argparse.ArgumentParser:
    """The options of every script that puts new-connection load on servers."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--requests", type=int, help="requests per round")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--max-seconds", type=float, default=max_seconds, help="bound on one round")
    parser.add_argument("--tool", choices=("auto", "ab", "wrk", "python"), default="auto")
    return parser


# -- readings -----------------------------------------------------------------------------


def cpu_us(pid: int) -> float:
    """The CPU time a process has run (all its live threads), in microseconds.

    From the scheduler's own count (``/proc/PID/task/*/schedstat``, in nanoseconds),
    not from utime + stime: those are sampled at the clock tick (10 ms), too coarse
    for a primary that runs a few microseconds per connection. utime + stime where
    the kernel keeps no schedstat."""
    if not SCHEDSTAT:
        return _cpu_us_ticks(pid)
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):  # a thread ended
            with open(f"/proc/{pid}/task/{task}/schedstat") as schedstat:
                total += int(schedstat.read().split()[0])
    return total / 1000


def _cpu_us_ticks(pid: int) -> float:
    """utime + stime of a process (all its threads), in microseconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    # fields[0] is the state (field 3); utime and stime are fields 14 and 15.
    ticks = int(fields[11]) + int(fields[12])
    return ticks * 1_000_000 / CLOCK_TICKS


def cpu_us_many(pids: Sequence[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += cpu_us(pid)
    return total


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    """Resident memory of a process (VmRSS, or VmHWM for the peak), in KiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def median(values: Sequence[float]) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in 0..1)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), int(round(fraction * len(ordered) + 0.5))))
    return ordered[rank - 1]


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


# -- load tools -----------------------------------------------------------------------------

_tools: dict[str, str] | None = None


def load_tools(choice: str = "auto") -> dict[str, str]:
    """Which load generators to use: ``{"close": ..., "keepalive": ..., "note": ...}``.

    ``auto``: ``ab`` (new connection per request) and ``wrk`` (keep-alive), installed
    from Debian's packages if missing (``apt-get update`` once, then ``apt-get install
    -y wrk apache2-utils``) unless ``BENCH_NO_INSTALL=1``; where a tool cannot be had,
    the Python load generator stands in (and the table says so).
    """
    global _tools
    if _tools is not None and choice == "auto":
        return _tools
    if choice == "python":
        return {"close": "python", "keepalive": "python", "note": "load: bench/_loadgen.py"}
    have = {name: shutil.which(name) for name in ("ab", "wrk")}
    if (
        not all(have.values())
        and os.environ.get("BENCH_NO_INSTALL") != "1"
        and shutil.which("apt-get")
        and os.geteuid() == 0
    ):
        _install()
        have = {name: shutil.which(name) for name in ("ab", "wrk")}
    close = "ab" if have["ab"] else ("wrk" if have["wrk"] else "python")
    keep = "wrk" if have["wrk"] else "python"
    if choice == "wrk" and have["wrk"]:
        close = "wrk"
    notes = []
    if "python" in (close, keep):
        notes.append("ab/wrk unavailable: bench/_loadgen.py (Python, asyncio) generates load")
    _tools = {"close": close, "keepalive": keep, "note": "; ".join(notes)}
    return _tools


def _install() -> None:
    print(
        "installing load tools: apt-get update; apt-get install -y wrk apache2-utils",
        file=sys.stderr,
        flush=True,
    )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        for argv in (
            ["apt-get", "update"],
            ["apt-get", "install", "-y", "--no-install-recommends", "wrk", "apache2-utils"],
        ):
            result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
            if result.returncode != 0:
                print(f"{' '.join(argv)} failed: {result.stderr[-500:]}", file=sys.stderr)
                break
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"could not install load tools: {exc}", file=sys.stderr)
    os.environ["BENCH_NO_INSTALL"] = "1"  # once per run (children inherit it)


def raise_nofile(wanted: int) -> int:
    """Raise RLIMIT_NOFILE's soft limit towards ``wanted`` (within the hard limit)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


# -- output ---------------------------------------------------------------------------------


def fmt(value: Any, digits: int = 1) -> str:
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and value != value):
        return "n/a"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 100:
            return f"{value:.0f}"
        return f"{value:.{digits}f}" if abs(value) >= 1 else f"{value:.{digits + 2}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_table(
    title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], notes: Sequence[str] = ()
) -> str:
    """A Markdown table (readable as text too); also returned."""
    cells = [[fmt(cell) for cell in row] for row in rows]
    widths = [max(len(str(h)), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    lines = [f"### {title}", ""]
    lines.append("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    lines.extend(["", *notes] if notes else [])
    text = "\n".join(lines) + "\n"
    print(text, flush=True)
    return text


def check_mark(value: float, target: float, higher_is_better: bool) -> str:
    if value != value:
        return "n/a"
    met = value >= target if higher_is_better else value <= target
    return "met" if met else "MISSED"


def machine_facts() -> str:
    model = "unknown"
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    node = "missing"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        node = subprocess.run(
            [NODE, "--version"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    return (
        f"nproc {os.cpu_count()}, CPU {model}, Python {sys.version.split()[0]}, "
        f"Node {node}, {time.strftime('%Y-%m-%d %H:%M %Z')}"
    )


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- load generation ----------------------------------------------------------------------------


def _number(text: str, label: str, default: float = 0.0) -> float:
    for line in text.splitlines():
        if line.strip().startswith(label):
            rest = line.split(":", 1)[1].split()
            if rest:
                return float(rest[0].replace(",", ""))
    return default


def load_close(
    tool: str, port: int, connections: int, requests: int, max_seconds: float, clients: int = 0
) -> dict[str, float]:
    """``requests`` requests, each on a new connection (``Connection: close``), with
    ``connections`` in flight; stops early after ``max_seconds``. With ``clients``, they
    come from that many clients, each with its own address, user and socket.io session,
    which only bench/_loadgen.py can send (ab and wrk speak from one address). Returns
    completed, errors, rps, elapsed."""
    if clients:
        return _loadgen(port, connections, "close", requests, max_seconds, clients)
    url = f"http://127.0.0.1:{port}/"
    if tool == "ab":
        # -t before -n: ab's -t sets -n 50000, a later -n overrides it (both bound the run)
        argv = [
            "ab",
            "-q",
            "-r",
            "-s",
            "10",
            "-t",
            str(int(max_seconds)),
            "-n",
            str(requests),
            "-c",
            str(connections),
            url,
        ]
        code, out = run_tool(argv, timeout=max_seconds + 30)
        completed = _number(out, "Complete requests")
        errors = _number(out, "Failed requests") + _number(out, "Non-2xx responses")
        elapsed = _number(out, "Time taken for tests")
        if code != 0 and not completed:
            raise RuntimeError(f"ab failed ({code}): {out[-2000:]}")
        return {
            "completed": completed,
            "errors": errors,
            "elapsed": elapsed,
            "rps": completed / elapsed if elapsed else 0.0,
        }
    if tool == "wrk":
        seconds = max(1, int(max_seconds))
        return _wrk(port, connections, seconds, ["-H", "Connection: close"])
    return _loadgen(port, connections, "close", requests, max_seconds)


def load_keepalive(tool: str, port: int, connections: int, seconds: float) -> dict[str, float]:
    """Keep-alive load for ``seconds``: ``connections`` connections, request after request."""
    if tool == "wrk":
        return _wrk(port, connections, max(1, int(round(seconds))), [])
    return _loadgen(port, connections, "keepalive", 10**9, seconds)


def _wrk(port: int, connections: int, seconds: int, extra: list[str]) -> dict[str, float]:
    argv = [
        "wrk",
        "-t1",
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        *extra,
        f"http://127.0.0.1:{port}/",
    ]
    code, out = run_tool(argv, timeout=seconds + 30)
    if code != 0:
        raise RuntimeError(f"wrk failed ({code}): {out[-2000:]}")
    completed = elapsed = 0.0
    errors = _number(out, "Non-2xx or 3xx responses")
    for line in out.splitlines():
        words = line.split()
        if len(words) >= 4 and words[1] == "requests" and words[2] == "in":
            completed = float(words[0])
            elapsed = float(words[3].rstrip(",").rstrip("s"))
        if line.strip().startswith("Socket errors:"):
            # connect a, read b, write c, timeout d: "read" counts the server's close
            # after a Connection: close response, which is no error
            parts = dict(p.strip().rsplit(" ", 1) for p in line.split(":", 1)[1].split(","))
            errors += int(parts.get("connect", 0)) + int(parts.get("timeout", 0))
            errors += int(parts.get("write", 0))
    return {
        "completed": completed,
        "errors": errors,
        "elapsed": elapsed,
        "rps": _number(out, "Requests/sec"),
    }


def _loadgen(
    port: int, connections: int, mode: str, requests: int, seconds: float, clients: int = 0
) -> dict[str, float]:
    argv = [
        PYTHON,
        str(BENCH / "_loadgen.py"),
        "--port",
        str(port),
        "--connections",
        str(connections),
        "--mode",
        mode,
        "--requests",
        str(requests),
        "--duration",
        str(seconds),
        "--clients",
        str(clients),
    ]
    code, out = run_tool(argv, timeout=seconds + 30)
    if code != 0:
        raise RuntimeError(f"_loadgen.py failed ({code}): {out[-2000:]}")
    return dict(json.loads(out.strip().splitlines()[-1]))
