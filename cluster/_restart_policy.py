"""When the supervisor restarts a worker, and when it gives up: small pure pieces.

Three failures get three policies (see docs/production.md, "Restarts"):

- a worker that crashes after it was ready is restarted after a delay that doubles
  with each crash in a row of its slot (:class:`Backoff`), back to the first delay
  once a worker of that slot has stayed up for ``min_uptime``;
- a worker that dies before it is ready failed to boot: the supervisor retries it
  with the same backoff, and gives up when too many boots fail in a sliding window
  with no boot succeeding in between (:class:`BootFailures`); healthy siblings go on
  serving until then;
- a worker that exits with status 0 on its own was not a crash: it is replaced at
  once, unless it lived less than ``min_uptime``, which is a crash loop in disguise.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """The delay before a slot's next restart: ``first * 2**(n-1)``, at most ``cap``."""

    first: float
    cap: float
    min_uptime: float
    streak: int = 0

    def next_delay(self, uptime: float) -> float:
        """A worker of this slot crashed after ``uptime`` seconds: how long to wait."""
        if uptime >= self.min_uptime:
            self.streak = 0
        self.streak += 1
        return float(min(self.first * 2 ** (self.streak - 1), self.cap))


@dataclass
class BootFailures:
    """Boots that failed within ``window`` seconds, forgotten when one succeeds."""

    limit: int
    window: float
    times: deque[float] = field(default_factory=deque)

    def failed(self, now: float) -> bool:
        """One more boot failed at ``now``; True when that makes too many."""
        self.times.append(now)
        while self.times and now - self.times[0] > self.window:
            self.times.popleft()
        return len(self.times) >= self.limit

    def succeeded(self) -> None:
        self.times.clear()


def exit_kind(
    code: int | None, signal: str | None, was_ready: bool, uptime: float, min_uptime: float
) -> str:
    """How a worker that nobody asked to leave ended: ``"boot"`` (before it was ready),
    ``"exit"`` (status 0, after living ``min_uptime``) or ``"crash"``."""
    if not was_ready:
        return "boot"
    if code == 0 and signal is None and uptime >= min_uptime:
        return "exit"
    return "crash"
