"""Durations (``"30s"``, ``"500ms"``), sizes (``"512M"``) and worker counts as numbers.

Both the supervisor's keyword arguments and the command line take them, so that a
value means the same thing wherever it is written. A bad value raises ``ValueError``
naming it and saying what is accepted.
"""

from __future__ import annotations

import re

from ._parallelism import available_parallelism

_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h|d)?\s*$", re.IGNORECASE)
_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*([kmgt]?)(i?b)?\s*$", re.IGNORECASE)
_BYTES = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def seconds(value: float | int | str, what: str = "duration") -> float:
    """``30``, ``"30"``, ``"30s"``, ``"500ms"``, ``"5m"``, ``"1h"``, ``"1d"`` in seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        number = float(match.group(1)) * _SECONDS[(match.group(2) or "s").lower()]
    else:
        raise ValueError(
            f"invalid {what} {value!r}: use seconds, or a number with ms, s, m, h or d "
            "(e.g. 30s, 500ms, 12h)"
        )
    if number < 0:
        raise ValueError(f"invalid {what} {value!r}: it cannot be negative")
    return number


def size_bytes(value: int | str, what: str = "size") -> int:
    """``1048576``, ``"512M"``, ``"512MiB"``, ``"1.5G"``, ``"800k"`` in bytes (K = 1024)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and (match := _SIZE.match(value)):
        number = int(float(match.group(1)) * _BYTES[match.group(2).lower()])
        if number > 0:
            return number
    raise ValueError(
        f"invalid {what} {value!r}: use bytes, or a number with K, M, G or T (e.g. 512M)"
    )


def worker_count(value: int | str) -> int:
    """``4``, ``"4"`` or ``"max"`` (the CPUs this process may use) as a number of workers."""
    if value == "max":
        return available_parallelism()
    number = int(value) if isinstance(value, str) and value.isdigit() else value
    if isinstance(number, int) and not isinstance(number, bool) and number >= 1:
        return number
    raise ValueError(f"invalid worker count {value!r}: a whole number from 1, or max")
