"""What recording a run needs from its project, read once per run: the settings (lineage
namespace, OpenLineage transport) and the one OpenLineage emitter every event of the run goes
through.

The driver that starts a run opens its context with the settings it already loaded (``open_run``);
recording then finds it by project and run. An attempt recorded in a process that never saw the
run start (a connector serving runs it did not begin) opens it on first use, so even there the
project's pyproject.toml is read once per run, not once per attempt or per event.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domino_flows.core.project import ProjectSettings, load_settings
from domino_flows.records import lineage
from domino_flows.records.lineage_transport import LineageEmitter


@dataclass(frozen=True)
class RunContext:
    settings: ProjectSettings
    emitter: LineageEmitter
    # run-level records that do not change once written (the parent MLflow run), by kind:
    # read from the run store once per run rather than once per task
    known: dict[str, Any] = field(default_factory=dict)

    @property
    def namespace(self) -> str:
        return lineage.namespace_for(self.settings.project_owner, self.settings.project_name)


_lock = threading.Lock()
_open: dict[tuple[str, str], RunContext] = {}
# The project folder as given -> as resolved: recording asks for a run's context several times
# per task, and resolving the folder is a filesystem call per path component each time.
_resolved: dict[str, str] = {}


def _project_key(root: Path | str) -> str:
    given = str(root)
    resolved = _resolved.get(given)
    if resolved is None:
        resolved = _resolved[given] = str(Path(given).resolve())
    return resolved


def open_run(root: Path, run_id: str, settings: ProjectSettings | None = None) -> RunContext:
    """The run's context, made now from ``settings`` (loaded here when not given) unless the
    run has one already."""
    key = (_project_key(root), run_id)
    with _lock:
        context = _open.get(key)
        if context is None:
            settings = settings or load_settings(Path(root))
            context = RunContext(settings, LineageEmitter.for_settings(settings))
            _open[key] = context
        return context


def close_run(root: Path, run_id: str) -> None:
    """Forget the run's context: its run has ended."""
    with _lock:
        _open.pop((_project_key(root), run_id), None)
