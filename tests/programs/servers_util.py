"""Helpers shared by the ``servers_*`` test programs (not a test program itself)."""

from __future__ import annotations

import ctypes
import os
import sys

CAP_NET_BIND_SERVICE = 10
PR_CAPBSET_DROP = 24


def _effective_caps() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("CapEff:"):
                return int(line.split()[1], 16)
    return 0


def give_up_low_ports() -> None:
    """Make this program (primary and workers) unable to bind ports below 1024, as a
    non-root user is: without CAP_NET_BIND_SERVICE, then re-run it from the start.

    Node's privileged-port tests skip as root. Here they run as root, and the usual way
    of dropping privileges, ``setup_primary(uid=..., gid=...)``, cannot be used: the
    interpreter lives under /root (mode 0700), which ``nobody`` may not enter, and a
    worker's listen is bound by the primary anyway. A root process without the
    capability gets EACCES for port 42 exactly as an ordinary user does.
    """
    if not _effective_caps() & (1 << CAP_NET_BIND_SERVICE):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_CAPBSET_DROP, CAP_NET_BIND_SERVICE, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])
