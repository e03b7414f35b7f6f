"""``domino-flows cache clear``: the two caches a project's results can live in, cleared together.

- ``domino-flows run`` and ``resume`` keep results in the project's run store
  (``.domino-flows/runs.sqlite``, table ``cache_entries``), keyed by Domino's rule.
- ``python flow.py`` and ``pyflyte run`` (flytekit's local execution, through the connector) use
  flytekit's own local cache, a diskcache folder in the home directory
  (``~/.flyte/local-cache``) shared by every project on the machine. Its keys start with the task's
  full name (``<task>-<cache version>-<inputs hash>``), so one task's entries can be removed.

Clearing both is the one cache story: whichever command produced a cached result,
``cache clear`` forgets it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domino_flows.runner.task_names import base_name, resolve_task


@dataclass(frozen=True)
class Cleared:
    """How many results each cache forgot, and where the caches are."""

    runner: int
    flytekit: int
    runner_path: Path
    flytekit_path: Path
    task: str | None = None

    def message(self) -> str:
        def plural(count: int) -> str:
            return f"{count} cached result{'s' if count != 1 else ''}"

        which = f" of task {self.task!r}" if self.task else ""
        return (
            f"removed {plural(self.runner)}{which} of domino-flows run ({self.runner_path}) and "
            f"{plural(self.flytekit)} of python flow.py / pyflyte run (flytekit's local cache, "
            f"{self.flytekit_path})"
        )


# flytekit's own constant (``flytekit.core.local_cache.CACHE_LOCATION``), repeated so that
# ``cache clear`` does not import flytekit, a second of start-up; a test checks they are equal.
FLYTEKIT_CACHE_LOCATION = "~/.flyte/local-cache"


def flytekit_cache_path() -> Path:
    """Where flytekit's local execution caches results (its constant, home expanded)."""
    return Path(os.path.expanduser(FLYTEKIT_CACHE_LOCATION))


def clear_caches(store: Any, task: str | None = None) -> Cleared:
    """Forget cached results in both caches: every one, or those of ``task`` (short names work).

    ``store`` is the project's ``RunStore``. A ``task`` that names no task the project has run is
    a ``TaskNameError`` listing the ones it has.
    """
    from domino_flows.runner.state import RunnerState

    state = RunnerState(store)
    path = flytekit_cache_path()
    full_name = None
    if task is not None:
        known = set(state.cached_tasks()) | {base_name(a.task) for a in store.attempts()}
        full_name = resolve_task(task, known, f"the run store {store.path}")
    runner = state.clear_cache(full_name)
    return Cleared(runner, _clear_flytekit(path, full_name), store.path, path, task=full_name)


def _clear_flytekit(path: Path, task: str | None) -> int:
    if not path.is_dir():  # flytekit never cached anything here: do not create the folder
        return 0
    from diskcache import Cache

    with Cache(str(path)) as cache:
        if task is None:
            return int(cache.clear())
        keys = [key for key in cache.iterkeys() if isinstance(key, str)]
        return sum(1 for key in keys if key.startswith(task + "-") and cache.delete(key))
