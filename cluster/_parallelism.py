"""How many CPUs this process may really use, for sizing a worker pool.

Node's ``os.availableParallelism()`` counts the CPUs the scheduler lets the
process run on, but in a container the CPU quota of the cgroup is often the
tighter limit: forking one worker per host CPU under a two-CPU quota only
makes the workers throttle each other.  This module takes the smaller of the
affinity mask and the cgroup CPU quota (v2 ``cpu.max`` or v1
``cpu.cfs_quota_us``/``cpu.cfs_period_us``, including any ancestor's), rounds
a fractional quota up, and never answers below one.  Every file it reads may
be missing, unreadable or garbled; such a source simply imposes no limit.
The parsing helpers take file contents or root directories as arguments so
that they can be exercised against fabricated trees.
"""

from __future__ import annotations

import os
from typing import NamedTuple

__all__ = ["available_parallelism"]


class _Mount(NamedTuple):
    """A cgroup hierarchy as mounted: the cgroup it exposes and where."""

    root: str
    mount_point: str


class _CgroupPaths(NamedTuple):
    """The process's own cgroup in the v2 tree and in the v1 cpu tree."""

    v2: str | None
    v1_cpu: str | None


def available_parallelism() -> int:
    """The number of CPUs this process may use, at least 1 (Node's
    ``os.availableParallelism()``, which also honours the cgroup CPU quota since Node
    22.12): the CPU affinity mask, and the cgroup v1/v2 CPU quota of a container."""
    return _parallelism_for(_affinity_count())


def _parallelism_for(affinity: int, proc_root: str = "/proc", fs_root: str = "/") -> int:
    """Take the tighter of affinity and cgroup quota, never below 1.

    Separate from the public function so a fabricated tree can stand in for
    ``/proc`` and the cgroup mounts; a pool of zero is never useful.
    """
    quota = _quota_from_cgroup_fs(proc_root, fs_root)
    count = affinity if quota is None else min(affinity, quota)
    return max(1, count)


def _affinity_count() -> int:
    """CPUs in the affinity mask, or all CPUs where the mask is unavailable."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _read_text(path: str) -> str | None:
    """Read a small pseudo-file; any failure means the source is absent."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except (OSError, ValueError):
        return None


def _cpus_from_quota(quota: int, period: int) -> int | None:
    """Turn a quota per period into whole CPUs, rounding up.

    A non-positive quota (v1 writes -1) or period means no limit.
    """
    if quota <= 0 or period <= 0:
        return None
    return max(1, -(-quota // period))


def _parse_int(text: str) -> int | None:
    """Parse a decimal integer, answering None rather than raising."""
    try:
        return int(text.strip())
    except ValueError:
        return None


def _parse_cpu_max(text: str) -> int | None:
    """Parse cgroup v2 ``cpu.max`` ("QUOTA PERIOD" or "max PERIOD")."""
    fields = text.split()
    if len(fields) != 2 or fields[0] == "max":
        return None
    quota, period = _parse_int(fields[0]), _parse_int(fields[1])
    if quota is None or period is None:
        return None
    return _cpus_from_quota(quota, period)


def _parse_cfs(quota_text: str, period_text: str) -> int | None:
    """Parse cgroup v1 ``cpu.cfs_quota_us`` and ``cpu.cfs_period_us``."""
    quota, period = _parse_int(quota_text), _parse_int(period_text)
    if quota is None or period is None:
        return None
    return _cpus_from_quota(quota, period)


def _parse_proc_cgroup(text: str) -> _CgroupPaths:
    """Find the process's cgroup paths in ``/proc/self/cgroup``.

    v2 is the ``0::/path`` line; v1 lists controllers such as ``cpu,cpuacct``.
    """
    v2: str | None = None
    v1_cpu: str | None = None
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3 or not parts[2].startswith("/"):
            continue
        hierarchy, controllers, path = parts
        if hierarchy == "0" and controllers == "":
            v2 = v2 or path
        elif "cpu" in controllers.split(","):
            v1_cpu = v1_cpu or path
    return _CgroupPaths(v2, v1_cpu)


def _unescape_mountinfo(field: str) -> str:
    r"""Undo mountinfo's octal escapes (``\040`` for space and the like)."""
    if "\\" not in field:
        return field
    out: list[str] = []
    index = 0
    while index < len(field):
        chunk = field[index + 1 : index + 4]
        if field[index] == "\\" and _is_octal(chunk):
            out.append(chr(int(chunk, 8)))
            index += 4
        else:
            out.append(field[index])
            index += 1
    return "".join(out)


def _is_octal(chunk: str) -> bool:
    """Whether ``chunk`` is a three-digit octal escape body."""
    return len(chunk) == 3 and all(c in "01234567" for c in chunk)


def _parse_mountinfo_line(line: str) -> tuple[str, list[str], _Mount] | None:
    """Split a mountinfo line into (fstype, super options, mount).

    The optional fields vary in number, so the " - " separator is located.
    """
    fields = line.split()
    try:
        separator = fields.index("-", 6)
    except ValueError:
        return None
    if len(fields) < separator + 4:
        return None
    mount = _Mount(_unescape_mountinfo(fields[3]), _unescape_mountinfo(fields[4]))
    return fields[separator + 1], fields[separator + 3].split(","), mount


def _parse_mountinfo(text: str) -> tuple[_Mount | None, _Mount | None]:
    """Find the cgroup2 mount and the v1 mount carrying the cpu controller."""
    v2: _Mount | None = None
    v1_cpu: _Mount | None = None
    for line in text.splitlines():
        parsed = _parse_mountinfo_line(line)
        if parsed is None:
            continue
        fstype, options, mount = parsed
        if fstype == "cgroup2" and v2 is None:
            v2 = mount
        elif fstype == "cgroup" and "cpu" in options and v1_cpu is None:
            v1_cpu = mount
    return v2, v1_cpu


def _relative_parts(cgroup_path: str, mount_root: str) -> list[str]:
    """The process's cgroup as directory names below the mount.

    In a container the mount root is the container's own cgroup, so the
    path must be taken relative to it.  A path outside the root (or one
    with ``..``) cannot be located, so only the mount point itself is used.
    """
    path_parts = [p for p in cgroup_path.split("/") if p not in ("", ".")]
    root_parts = [p for p in mount_root.split("/") if p not in ("", ".")]
    if ".." in path_parts or path_parts[: len(root_parts)] != root_parts:
        return []
    return path_parts[len(root_parts) :]


def _cgroup_dirs(mount: _Mount, cgroup_path: str, fs_root: str) -> list[str]:
    """Directories from the process's cgroup up to the mount point.

    A parent's limit applies to its children too, so all are inspected.
    """
    base = os.path.join(fs_root, mount.mount_point.lstrip("/"))
    parts = _relative_parts(cgroup_path, mount.root)
    return [os.path.join(base, *parts[:depth]) for depth in range(len(parts), -1, -1)]


def _v2_limit(directory: str) -> int | None:
    """The cgroup v2 CPU limit set in one directory, if any."""
    text = _read_text(os.path.join(directory, "cpu.max"))
    return None if text is None else _parse_cpu_max(text)


def _v1_limit(directory: str) -> int | None:
    """The cgroup v1 CFS CPU limit set in one directory, if any."""
    quota = _read_text(os.path.join(directory, "cpu.cfs_quota_us"))
    period = _read_text(os.path.join(directory, "cpu.cfs_period_us"))
    if quota is None or period is None:
        return None
    return _parse_cfs(quota, period)


def _smallest(values: list[int | None]) -> int | None:
    """The smallest limit present, or None when no source imposed one."""
    present = [value for value in values if value is not None]
    return min(present) if present else None


def _quota_from_cgroup_fs(proc_root: str = "/proc", fs_root: str = "/") -> int | None:
    """The tightest cgroup CPU quota on this process, in whole CPUs.

    ``proc_root`` holds ``self/cgroup`` and ``self/mountinfo``; mount points
    are resolved under ``fs_root``.  Both v1 and v2 are consulted because
    hybrid systems may put the cpu controller in either hierarchy.
    """
    cgroup_text = _read_text(os.path.join(proc_root, "self", "cgroup"))
    mountinfo_text = _read_text(os.path.join(proc_root, "self", "mountinfo"))
    if cgroup_text is None or mountinfo_text is None:
        return None
    paths = _parse_proc_cgroup(cgroup_text)
    v2_mount, v1_mount = _parse_mountinfo(mountinfo_text)
    limits: list[int | None] = []
    if paths.v2 is not None and v2_mount is not None:
        dirs = _cgroup_dirs(v2_mount, paths.v2, fs_root)
        limits.extend(_v2_limit(directory) for directory in dirs)
    if paths.v1_cpu is not None and v1_mount is not None:
        dirs = _cgroup_dirs(v1_mount, paths.v1_cpu, fs_root)
        limits.extend(_v1_limit(directory) for directory in dirs)
    return _smallest(limits)
