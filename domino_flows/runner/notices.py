"""Notes that would repeat on every run are shown once per project.

A note (the workflow's unnamed outputs are called o0, o1; no environments are configured) says
something about the project, not about one run: repeated on every run it becomes noise that hides
the lines that matter. Each note is shown the first time a project's run meets it and recorded in
``.domino-flows/notices.json``; ``domino-flows run --check`` always prints them all.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path

from domino_flows.core.paths import state_dir

NOTICES_FILE = "notices.json"
NOTE_PREFIX = "note: "


def _key(note: str) -> str:
    # The same note about other output names (o0 vs o0, o1) or other tier names is the same note.
    return re.sub(r"'[^']*'|\bo\d+\b", "_", note)[:200]


def first_time(root: Path, notes: list[str]) -> list[str]:
    """The notes this project has not been shown yet; they are recorded as shown. A project whose
    state folder cannot be written shows every note (never loses one)."""
    path = state_dir(root) / NOTICES_FILE
    seen: list[str] = []
    with contextlib.suppress(OSError, ValueError):
        loaded = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(loaded, list):
            seen = [str(k) for k in loaded]
    fresh = [note for note in notes if _key(note) not in seen]
    if fresh:
        updated = sorted({*seen, *(_key(n) for n in fresh)})
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".tmp")
            temporary.write_text(json.dumps(updated, indent=1), encoding="utf-8")
            temporary.replace(path)
    return fresh


def once_per_project(root: Path, text: str) -> str:
    """``text`` (a run's summary) without the ``note:`` lines this project was already shown."""
    lines = text.splitlines()
    notes = [line for line in lines if line.startswith(NOTE_PREFIX)]
    if not notes:
        return text
    fresh = set(first_time(root, notes))
    return "\n".join(line for line in lines if not line.startswith(NOTE_PREFIX) or line in fresh)
