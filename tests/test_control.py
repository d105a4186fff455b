"""The control socket and ``python -m cluster status|reload|scale|stop`` (issue 12),
against a real ``python -m cluster`` primary serving tests/programs/sup_app.py."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from support import PROGRAMS, Running, cluster_cli, free_port, http_get, raw_get

APP = str(PROGRAMS / "sup_app.py")
READY = re.compile(r"worker (\d+) \(pid (\d+)\) is ready")


def start(tmp_path: Path, workers: int = 2) -> tuple[Running, str, int]:
    path = str(tmp_path / "ctl.sock")
    port = free_port()
    cli = cluster_cli("-w", str(workers), "--control", path, APP, str(port))
    try:
        cli.wait_for(lambda line: bool(READY.search(line)), count=workers)
    except BaseException:
        cli.kill()
        raise
    return cli, path, port


def control(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cluster", *args], capture_output=True, text=True, timeout=20
    )


def ask(path: str, payload: bytes) -> dict[str, object]:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(10)
        sock.connect(path)
        sock.sendall(payload)
        line = sock.makefile("rb").readline()
    answer: dict[str, object] = json.loads(line)
    return answer


def test_status_shows_live_workers_with_rss(tmp_path: Path) -> None:
    cli, path, port = start(tmp_path, workers=3)
    try:
        assert raw_get(port)
        result = control("status", "--json", "--control", path)
        assert result.returncode == 0, result.stderr
        status = json.loads(result.stdout)
        assert status["pid"] == cli.proc.pid and status["wanted"] == 3
        assert len(status["workers"]) == 3
        for worker in status["workers"]:
            assert psutil.pid_exists(worker["pid"]) and worker["rss"] > 0
        assert sum(w["connections_handed"] for w in status["workers"]) >= 1
        table = control("--control", path, "status").stdout
        assert table.count("listening") == 3, table
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    finally:
        assert control("stop", "--control", path).returncode == 0
        assert cli.finish(timeout=30) == 0
    assert not os.path.exists(path)


def test_reload_and_scale_commands(tmp_path: Path) -> None:
    cli, path, _port = start(tmp_path)
    try:
        assert control("scale", "3", "--control", path).returncode == 0
        cli.wait_for(lambda line: "scale to 3 asked" in line)
        cli.wait_for(lambda line: bool(READY.search(line)), count=3)
        assert control("reload", "--control", path).returncode == 0
        cli.wait_for(lambda line: "reload asked" in line)
        bad = control("scale", "zero", "--control", path)
        assert bad.returncode == 1 and "invalid worker count 'zero'" in bad.stderr
    finally:
        control("stop", "--control", path)
        assert cli.finish(timeout=30) == 0


def test_survives_garbage_huge_lines_and_half_closed_clients(tmp_path: Path) -> None:
    cli, path, _port = start(tmp_path)
    try:
        assert ask(path, b"not json\n")["ok"] is False
        assert ask(path, b"[1, 2]\n")["ok"] is False
        assert "unknown command" in str(ask(path, b'{"cmd": "dance"}\n')["error"])
        assert "longer than" in str(ask(path, b"x" * 200_000)["error"])
        with socket.socket(socket.AF_UNIX) as sock:  # half-closed before the newline
            sock.connect(path)
            sock.sendall(b'{"cmd": "sta')
            sock.shutdown(socket.SHUT_WR)
            assert sock.recv(100) == b""
        with socket.socket(socket.AF_UNIX) as sock:  # gone without reading its answer
            sock.connect(path)
            sock.sendall(b'{"cmd": "status"}\n')
        status = ask(path, b'{"cmd": "status"}\n')
        assert status["ok"] is True and len(status["workers"]) == 2  # type: ignore[arg-type]
    finally:
        control("stop", "--control", path)
        assert cli.finish(timeout=30) == 0


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to run a client as another uid")
def test_refuses_another_uid() -> None:
    import tempfile

    directory = Path(tempfile.mkdtemp(prefix="cluster-ctl-"))  # pytest's tmp dirs are 0700
    os.chmod(directory, 0o755)
    cli, path, _port = start(directory)
    try:
        os.chmod(path, 0o666)  # past the file mode: SO_PEERCRED is the second lock
        client = (
            "import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]);"
            "print(s.makefile().readline())"
        )
        result = subprocess.run(
            ["/usr/bin/python3", "-c", client, path],
            capture_output=True,
            text=True,
            timeout=20,
            user=65534,
        )
        assert "refused: uid 65534" in result.stdout, result
        assert ask(path, b'{"cmd": "status"}\n')["ok"] is True
    finally:
        control("stop", "--control", path)
        assert cli.finish(timeout=30) == 0
        os.rmdir(directory)


def test_metrics_endpoint_parses_with_prometheus_client(tmp_path: Path) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    metrics_port = free_port()
    path = str(tmp_path / "ctl.sock")
    cli = cluster_cli(
        "-w",
        "2",
        "--control",
        path,
        "--metrics",
        f"127.0.0.1:{metrics_port}",
        APP,
        str(free_port()),
    )
    try:
        cli.wait_for(lambda line: bool(READY.search(line)), count=2)
        text = http_get(metrics_port, "/metrics")
        families = {f.name: f for f in text_string_to_metric_families(text)}
        rss = families["cluster_worker_resident_memory_bytes"].samples
        assert len(rss) == 2 and all(s.value > 0 and s.labels["pid"] for s in rss)
        assert families["cluster_workers"].samples[0].value == 2
        assert families["cluster_worker_connections_handed"].type == "counter"
    finally:
        control("stop", "--control", path)
        assert cli.finish(timeout=30) == 0


@pytest.mark.timeout(90)
def test_top_in_tmux_shows_the_table_and_its_keys_work(tmp_path: Path) -> None:
    import time

    if shutil.which("tmux") is None:
        pytest.fail("needs tmux: apt-get install tmux (.ci/run does)")

    cli, path, _port = start(tmp_path)
    session = f"cluster-top-{os.getpid()}"
    command = f"{sys.executable} -m cluster top --control {path}"

    def screen() -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
        ).stdout

    def wait_screen(text: str) -> str:
        deadline = time.monotonic() + 20
        while text not in (shown := screen()):  # the pane has no event to wait on: poll it
            assert time.monotonic() < deadline, shown
            time.sleep(0.1)
        return shown

    subprocess.run(["tmux", "new-session", "-d", "-x", "120", "-y", "30", "-s", session, command])
    try:
        shown = wait_screen("cluster top")
        assert "PID" in shown and shown.count("listening") == 2, shown
        assert "CONN/S" in shown and "[" in shown, shown  # connections/s, CPU bars
        (tmp_path / "top.txt").write_text(shown)
        subprocess.run(["tmux", "send-keys", "-t", session, "+"])
        cli.wait_for(lambda line: "scale to 3 asked" in line)
        cli.wait_for(lambda line: bool(READY.search(line)), count=3)
        subprocess.run(["tmux", "send-keys", "-t", session, "r"])
        cli.wait_for(lambda line: "reload asked" in line)
        subprocess.run(["tmux", "send-keys", "-t", session, "q"])
        deadline = time.monotonic() + 10
        while subprocess.run(["tmux", "has-session", "-t", session]).returncode == 0:
            assert time.monotonic() < deadline, "top did not quit on q"
            time.sleep(0.1)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        control("stop", "--control", path)
        assert cli.finish(timeout=30) == 0
