"""available_parallelism: the CPUs a process may really use.

The cgroup parsing is exercised against fabricated ``/proc`` and cgroup
trees under tmp_path (the machine's own cgroups cannot be changed); the
affinity side is shown with real child processes pinned to one CPU.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from cluster._parallelism import (
    _parallelism_for,
    _quota_from_cgroup_fs,
    available_parallelism,
)

MODULE_PATH = Path(__file__).resolve().parent.parent / "cluster" / "_parallelism.py"

# Loads the module by path so the child does not depend on cluster/__init__.
CHILD_SCRIPT = f"""
import importlib.util
spec = importlib.util.spec_from_file_location("_p", {str(MODULE_PATH)!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(module.available_parallelism())
"""

V2_CGROUP = "0::/user.slice/app.service\n"
V2_MOUNTINFO = "24 1 0:22 / /sys/fs/cgroup rw,nosuid shared:8 - cgroup2 cgroup2 rw\n"
V1_CGROUP = (
    "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n"
)
V1_MOUNTINFO = (
    "30 25 0:26 / /sys/fs/cgroup/memory rw shared:9 - cgroup cgroup rw,memory\n"
    "31 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw shared:10 - cgroup cgroup "
    "rw,cpu,cpuacct\n"
)
V1_DIR = "sys/fs/cgroup/cpu,cpuacct/docker/abc"
V2_DIR = "sys/fs/cgroup/user.slice/app.service"


def fake_system(
    tmp_path: Path, cgroup: str, mountinfo: str, files: dict[str, str]
) -> tuple[str, str]:
    """Build a fake /proc/self and cgroup filesystem; return (proc, fs) roots."""
    proc, fs = tmp_path / "proc", tmp_path / "fs"
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "cgroup").write_text(cgroup)
    (proc / "self" / "mountinfo").write_text(mountinfo)
    fs.mkdir()
    for relative, content in files.items():
        target = fs / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    return str(proc), str(fs)


def run_child(
    prefix: Sequence[str] = (), preexec_fn: Callable[[], None] | None = None
) -> int:
    """Run the real function in a fresh child process and return its answer."""
    result = subprocess.run(
        [*prefix, sys.executable, "-c", CHILD_SCRIPT],
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
        preexec_fn=preexec_fn,
    )
    return int(result.stdout.strip())


# --- cgroup v2 -------------------------------------------------------------


@pytest.mark.timeout(30)
def test_v2_max_means_no_limit_so_affinity_decides(tmp_path: Path) -> None:
    roots = fake_system(
        tmp_path, V2_CGROUP, V2_MOUNTINFO, {f"{V2_DIR}/cpu.max": "max 100000\n"}
    )
    assert _quota_from_cgroup_fs(*roots) is None
    assert _parallelism_for(8, *roots) == 8


@pytest.mark.timeout(30)
def test_v2_fractional_quota_rounds_up(tmp_path: Path) -> None:
    roots = fake_system(
        tmp_path,
        V2_CGROUP,
        V2_MOUNTINFO,
        {f"{V2_DIR}/cpu.max": "150000 100000\n"},
    )
    assert _quota_from_cgroup_fs(*roots) == 2
    assert _parallelism_for(8, *roots) == 2


@pytest.mark.timeout(30)
def test_v2_whole_quota_gives_that_many_cpus(tmp_path: Path) -> None:
    roots = fake_system(
        tmp_path,
        V2_CGROUP,
        V2_MOUNTINFO,
        {f"{V2_DIR}/cpu.max": "200000 100000\n"},
    )
    assert _parallelism_for(8, *roots) == 2


@pytest.mark.timeout(30)
def test_v2_quota_below_one_cpu_still_gives_one(tmp_path: Path) -> None:
    roots = fake_system(
        tmp_path, V2_CGROUP, V2_MOUNTINFO, {f"{V2_DIR}/cpu.max": "20000 100000\n"}
    )
    assert _parallelism_for(8, *roots) == 1


@pytest.mark.timeout(30)
def test_v2_limit_on_a_parent_cgroup_applies_to_the_child(
    tmp_path: Path,
) -> None:
    roots = fake_system(
        tmp_path,
        V2_CGROUP,
        V2_MOUNTINFO,
        {
            f"{V2_DIR}/cpu.max": "max 100000\n",
            "sys/fs/cgroup/user.slice/cpu.max": "300000 100000\n",
        },
    )
    assert _parallelism_for(8, *roots) == 3


@pytest.mark.timeout(30)
def test_v2_tightest_limit_on_the_way_up_wins(tmp_path: Path) -> None:
    roots = fake_system(
        tmp_path,
        V2_CGROUP,
        V2_MOUNTINFO,
        {
            f"{V2_DIR}/cpu.max": "500000 100000\n",
            "sys/fs/cgroup/user.slice/cpu.max": "300000 100000\n",
            "sys/fs/cgroup/cpu.max": "400000 100000\n",
        },
    )
    assert _parallelism_for(8, *roots) == 3


@pytest.mark.timeout(30)
def test_container_mount_root_is_the_containers_own_cgroup(
    tmp_path: Path,
) -> None:
    # Without a cgroup namespace the container sees its full cgroup path in
    # /proc/self/cgroup, but its /sys/fs/cgroup mount exposes only its own
    # cgroup (the mountinfo root field), so the path must be taken relative
    # to that root: /kubepods/pod1/ctr/worker lives at /sys/fs/cgroup/worker.
    cgroup = "0::/kubepods/pod1/ctr/worker\n"
    mountinfo = (
        "900 800 0:30 /kubepods/pod1/ctr /sys/fs/cgroup ro,nosuid - "
        "cgroup2 cgroup2 rw\n"
    )
    roots = fake_system(
        tmp_path,
        cgroup,
        mountinfo,
        {
            "sys/fs/cgroup/cpu.max": "400000 100000\n",
            "sys/fs/cgroup/worker/cpu.max": "250000 100000\n",
        },
    )
    assert _parallelism_for(16, *roots) == 3


@pytest.mark.timeout(30)
def test_mount_point_with_escaped_space_is_found(tmp_path: Path) -> None:
    mountinfo = "24 1 0:22 / /cg\\040root rw - cgroup2 cgroup2 rw\n"
    roots = fake_system(
        tmp_path, "0::/\n", mountinfo, {"cg root/cpu.max": "100000 100000\n"}
    )
    assert _parallelism_for(8, *roots) == 1


# --- cgroup v1 -------------------------------------------------------------


@pytest.mark.timeout(30)
def test_v1_quota_over_period_gives_cpus(tmp_path: Path) -> None:
    roots = fake_system(
        tmp_path,
        V1_CGROUP,
        V1_MOUNTINFO,
        {
            f"{V1_DIR}/cpu.cfs_quota_us": "400000\n",
            f"{V1_DIR}/cpu.cfs_period_us": "100000\n",
        },
    )
    assert _parallelism_for(8, *roots) == 4


@pytest.mark.timeout(30)
def test_v1_quota_minus_one_means_no_limit(tmp_path: Path) -> None:
    roots = fake_system(
        tmp_path,
        V1_CGROUP,
        V1_MOUNTINFO,
        {
            f"{V1_DIR}/cpu.cfs_quota_us": "-1\n",
            f"{V1_DIR}/cpu.cfs_period_us": "100000\n",
        },
    )
    assert _quota_from_cgroup_fs(*roots) is None
    assert _parallelism_for(8, *roots) == 8


@pytest.mark.timeout(30)
def test_v1_controllers_listed_the_other_way_round(tmp_path: Path) -> None:
    cgroup = "3:cpuacct,cpu:/batch\n"
    mountinfo = (
        "31 25 0:27 / /sys/fs/cgroup/cpuacct,cpu rw - cgroup cgroup rw,cpuacct,cpu\n"
    )
    base = "sys/fs/cgroup/cpuacct,cpu/batch"
    roots = fake_system(
        tmp_path,
        cgroup,
        mountinfo,
        {
            f"{base}/cpu.cfs_quota_us": "50000\n",
            f"{base}/cpu.cfs_period_us": "100000\n",
        },
    )
    assert _parallelism_for(8, *roots) == 1


@pytest.mark.timeout(30)
def test_hybrid_system_takes_the_smaller_of_v1_and_v2(tmp_path: Path) -> None:
    cgroup = "4:cpu,cpuacct:/docker/abc\n0::/user.slice/app.service\n"
    roots = fake_system(
        tmp_path,
        cgroup,
        V1_MOUNTINFO + V2_MOUNTINFO,
        {
            f"{V1_DIR}/cpu.cfs_quota_us": "200000\n",
            f"{V1_DIR}/cpu.cfs_period_us": "100000\n",
            f"{V2_DIR}/cpu.max": "600000 100000\n",
        },
    )
    assert _parallelism_for(8, *roots) == 2


# --- broken inputs -----------------------------------------------------------


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "cpu_max",
    ["", "garbage\n", "abc 100000\n", "100000 0\n", "1 2 3\n", "\x00\xff"],
)
def test_garbled_cpu_max_falls_back_to_affinity(tmp_path: Path, cpu_max: str) -> None:
    roots = fake_system(
        tmp_path, V2_CGROUP, V2_MOUNTINFO, {f"{V2_DIR}/cpu.max": cpu_max}
    )
    assert _parallelism_for(6, *roots) == 6


@pytest.mark.timeout(30)
def test_garbled_proc_files_fall_back_to_affinity(tmp_path: Path) -> None:
    roots = fake_system(
        tmp_path,
        "not a cgroup file\n::\n7\n",
        "half a line\n1 2 3 4 5 6 - \n",
        {f"{V2_DIR}/cpu.max": "100000 100000\n"},
    )
    assert _parallelism_for(6, *roots) == 6


@pytest.mark.timeout(30)
def test_garbled_v1_files_fall_back_to_affinity(tmp_path: Path) -> None:
    roots = fake_system(
        tmp_path,
        V1_CGROUP,
        V1_MOUNTINFO,
        {
            f"{V1_DIR}/cpu.cfs_quota_us": "lots\n",
            f"{V1_DIR}/cpu.cfs_period_us": "100000\n",
        },
    )
    assert _parallelism_for(6, *roots) == 6


@pytest.mark.timeout(30)
def test_missing_proc_and_cgroup_files_fall_back_to_affinity(
    tmp_path: Path,
) -> None:
    missing = str(tmp_path / "nowhere")
    assert _quota_from_cgroup_fs(missing, missing) is None
    assert _parallelism_for(5, missing, missing) == 5


@pytest.mark.timeout(30)
def test_unreadable_cpu_max_is_no_limit(tmp_path: Path) -> None:
    # A directory where the file should be makes open() fail even as root.
    roots = fake_system(tmp_path, V2_CGROUP, V2_MOUNTINFO, {})
    (Path(roots[1]) / V2_DIR / "cpu.max").mkdir(parents=True)
    assert _parallelism_for(4, *roots) == 4


@pytest.mark.timeout(30)
def test_affinity_smaller_than_quota_wins(tmp_path: Path) -> None:
    roots = fake_system(
        tmp_path,
        V2_CGROUP,
        V2_MOUNTINFO,
        {f"{V2_DIR}/cpu.max": "800000 100000\n"},
    )
    assert _parallelism_for(2, *roots) == 2


@pytest.mark.timeout(30)
def test_never_answers_below_one(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere")
    assert _parallelism_for(0, missing, missing) == 1


# --- the real machine ----------------------------------------------------------


@pytest.mark.timeout(30)
def test_real_machine_answer_is_between_one_and_cpu_count() -> None:
    count = available_parallelism()
    assert isinstance(count, int)
    assert 1 <= count <= (os.cpu_count() or 1)
    assert count <= len(os.sched_getaffinity(0))


@pytest.mark.timeout(30)
@pytest.mark.skipif(shutil.which("taskset") is None, reason="needs taskset")
def test_child_pinned_by_taskset_to_cpu_zero_sees_one_cpu() -> None:
    first = min(os.sched_getaffinity(0))
    assert run_child(["taskset", "-c", str(first)]) == 1


@pytest.mark.timeout(30)
def test_child_pinned_by_sched_setaffinity_sees_one_cpu() -> None:
    first = min(os.sched_getaffinity(0))
    assert run_child(preexec_fn=lambda: os.sched_setaffinity(0, {first})) == 1


@pytest.mark.timeout(30)
def test_child_pinned_to_two_cpus_sees_at_most_two() -> None:
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        pytest.skip("needs at least two usable CPUs")
    pair = set(allowed[:2])
    answer = run_child(preexec_fn=lambda: os.sched_setaffinity(0, pair))
    assert 1 <= answer <= 2
