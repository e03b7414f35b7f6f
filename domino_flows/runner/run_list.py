"""``domino-flows runs``: which runs to list and how they read (newest first, with a header and
each run's duration)."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any

from domino_flows.core.errors import DominoFlowsError

STATES = ("Running", "Succeeded", "Failed", "Stopped")
_AGE = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class RunFilterError(DominoFlowsError):
    """A ``runs`` filter that cannot be understood."""


def parse_age(text: str) -> _dt.timedelta:
    """``30m``, ``6h``, ``2d``, ``1w`` (and ``1h30m``) as a time span."""
    compact = text.strip().lower()
    parts = _AGE.findall(compact)
    if not parts or _AGE.sub("", compact).strip():
        raise RunFilterError(
            f"--since {text!r}: give an age such as 30m, 6h, 2d or 1w (s, m, h, d, w)."
        )
    return _dt.timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in parts))


def parse_time(text: str | None) -> _dt.datetime | None:
    if not text:
        return None
    try:
        return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True)
class RunFilter:
    flow: str | None = None
    state: str | None = None
    since: _dt.datetime | None = None

    @classmethod
    def parse(cls, flow: str | None, state: str | None, since: str | None) -> RunFilter:
        chosen = None
        if state is not None:
            matches = [s for s in STATES if s.lower() == state.strip().lower()]
            if not matches:
                raise RunFilterError(f"--state {state!r}: use one of {', '.join(STATES)}.")
            chosen = matches[0]
        start = None
        if since is not None:
            start = _dt.datetime.now(_dt.timezone.utc) - parse_age(since)
        return cls(flow, chosen, start)

    def apply(self, runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The runs that pass, newest first."""
        out = []
        for run in reversed(runs):
            if self.flow and self.flow.lower() not in str(run["flow"]).lower():
                continue
            if self.state and run["state"] != self.state:
                continue
            started = parse_time(run["started_at"])
            if self.since and (started is None or started < self.since):
                continue
            out.append(run)
        return out


def duration(run: dict[str, Any], now: _dt.datetime | None = None) -> str:
    """``4s``, ``3m12s``, ``2h05m``; a running run counts up to now."""
    started = parse_time(run.get("started_at"))
    if started is None:
        return "-"
    ended = parse_time(run.get("finished_at")) or now or _dt.datetime.now(_dt.timezone.utc)
    seconds = max(0, int((ended - started).total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def table(runs: list[dict[str, Any]], now: _dt.datetime | None = None) -> str:
    """A header and one line per run, columns as wide as their widest value."""
    rows = [("RUN", "STATE", "DURATION", "STARTED", "BACKEND", "FLOW")]  # STARTED: UTC
    for run in runs:
        # month, day and minute (UTC) keep a line within 80 columns; the run id has the year
        started = str(run["started_at"]).replace("T", " ")[5:16]
        rows.append(
            (
                str(run["run_id"]),
                str(run["state"]),
                duration(run, now),
                started,
                str(run["backend"]),
                str(run["flow"]) + (f"  ({run['note']})" if run.get("note") else ""),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        lines.append("  ".join([*cells, row[-1]]))
    return "\n".join(lines)
