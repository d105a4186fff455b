"""``setup_primary()``'s settings: their defaults and their validation.

Node's ``setupPrimary`` fills ``args``, ``exec``, ``execArgv`` and ``silent`` from the
primary's own command line; these are the Python equivalents. A refused setting
raises at the call, naming it, and changes nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import _schedulers
from ._ipc import SERIALIZATIONS


def defaults() -> dict[str, Any]:
    """What a worker runs unless told otherwise: this program, as it was started."""
    return {
        "args": list(sys.argv[1:]),
        "exec": _default_exec(),
        "exec_argv": _interpreter_flags(),
        "silent": False,
    }


def _default_exec() -> str | None:
    """How the primary was started: a script path, or ``"-m module"``."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and spec.name:
        name = str(spec.name)
        return "-m " + (name[: -len(".__main__")] if name.endswith(".__main__") else name)
    path = getattr(sys.modules.get("__main__"), "__file__", None)  # absolute since 3.9
    if path is None and sys.argv and sys.argv[0] not in ("", "-c"):
        path = os.path.abspath(sys.argv[0])
    return str(path) if path else None


def _interpreter_flags() -> list[str]:
    """The interpreter options the primary was started with (Node's ``execArgv``).

    ``sys.orig_argv`` is ``[python, *flags, script, *args]`` or
    ``[python, *flags, "-m", module, *args]``, and ``sys.argv`` ends with the same args.
    """
    orig = list(getattr(sys, "orig_argv", []))
    end = len(orig) - len(sys.argv)
    if end >= 2 and orig[end - 1] == "-m":
        end -= 1
    return orig[1:end] if end >= 1 else []


def _is_str_list(value: Any) -> bool:
    return (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and all(isinstance(item, str) for item in value)
    )


def _optional_id(name: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
            return None
        return f"{name} must be a non-negative int or None"

    return check


def _check_exec(value: Any) -> str | None:
    return (
        None
        if isinstance(value, (str, os.PathLike)) and str(value)
        else ("exec must be a script path or '-m module'")
    )


_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "exec": _check_exec,
    "args": lambda v: None if _is_str_list(v) else "args must be a list of str",
    "exec_argv": lambda v: None if _is_str_list(v) else "exec_argv must be a list of str",
    "cwd": lambda v: (
        None if v is None or isinstance(v, (str, os.PathLike)) else ("cwd must be a path or None")
    ),
    "silent": lambda v: None if isinstance(v, bool) else "silent must be True or False",
    "stdio": lambda v: (
        None
        if v is None or (isinstance(v, Sequence) and not isinstance(v, str))
        else "stdio must be a list such as ['pipe', 'inherit', 'inherit']"
    ),
    "uid": _optional_id("uid"),
    "gid": _optional_id("gid"),
    "serialization": lambda v: (
        None
        if v in SERIALIZATIONS
        else (f"serialization must be one of {SERIALIZATIONS}, not {v!r}")
    ),
    "scheduler": _schedulers.check,
}


def validate(options: Mapping[str, Any]) -> None:
    for name, value in options.items():
        if name not in _CHECKS:
            raise TypeError(
                f"setup_primary() got an unknown setting {name!r}; "
                f"the settings are: {', '.join(_CHECKS)}"
            )
        problem = _CHECKS[name](value)
        if problem:
            raise ValueError(f"setup_primary(): {problem} (got {value!r})")
    if "stdio" in options and options["stdio"] is not None:
        stdio_for_popen(options["stdio"])


def stdio_for_popen(stdio: Sequence[Any]) -> list[Any]:
    """Node's ``stdio`` list as Popen's stdin/stdout/stderr ('ipc' entries are implied)."""
    entries = [entry for entry in stdio if entry != "ipc"]
    if len(entries) > 3:
        raise ValueError(
            "stdio: only the first three entries (stdin, stdout, stderr) are supported"
        )
    entries += ["inherit"] * (3 - len(entries))
    named = {"pipe": subprocess.PIPE, "inherit": None, "ignore": subprocess.DEVNULL}
    result = []
    for entry in entries:
        if isinstance(entry, str):
            if entry not in named:
                raise ValueError(
                    f"stdio: unknown entry {entry!r} (use 'pipe', 'inherit', 'ignore')"
                )
            result.append(named[entry])
        elif isinstance(entry, int) and not isinstance(entry, bool) and entry >= 0:
            result.append(entry)
        elif callable(getattr(entry, "fileno", None)):
            result.append(entry)
        else:
            raise ValueError(
                f"stdio: {entry!r} is not 'pipe', 'inherit', 'ignore', a descriptor or a file"
            )
    return result
