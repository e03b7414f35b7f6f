"""Jobs and ids of the fake Domino server."""

from __future__ import annotations

import hashlib
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class FakeJob:
    id: str
    number: int
    title: str | None
    command: str
    commit_id: str
    hardware_tier_id: str | None
    environment_id: str | None
    payload: dict[str, Any]
    log_path: Path
    status: str = "Queued"
    output_commit_id: str | None = None
    exit_code: int | None = None
    forced_end: str | None = None
    stop_requested: bool = False
    commit_results: bool = True
    process: subprocess.Popen[bytes] | None = None
    done: threading.Event = field(default_factory=threading.Event)
    submitted: float = field(default_factory=time.time)

    @property
    def is_completed(self) -> bool:
        return self.status in ("Succeeded", "Failed", "Error", "Stopped")


def new_id(*parts: object) -> str:
    return hashlib.sha1(repr((parts, time.time_ns())).encode()).hexdigest()


def safe_relative(path: str) -> str:
    parts = [p for p in path.strip("/").split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise ValueError(path)
    return "/".join(parts)
