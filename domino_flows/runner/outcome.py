"""What a run is asked to do (its options) and what it reached (its result)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domino_flows.runner.gates import GateOptions
from domino_flows.runner.progress import NodeView


@dataclass
class RunOptions:
    max_parallel: int | None = None
    use_cache: bool = True
    fail_fast: bool = False
    gates: GateOptions = field(default_factory=GateOptions)


@dataclass
class RunResult:
    run_id: str
    success: bool
    outputs: dict[str, Any]
    nodes: list[NodeView]
    error: str = ""
    python_outputs: dict[str, Any] = field(default_factory=dict)
    stopped: bool = False  # interrupted (Ctrl-C, SIGTERM) before it could finish
