"""Choosing a backend: the local subprocess backend or a Domino deployment.

The choice, first match wins: the ``name`` argument (``--backend`` on the command line), the
``DOMINO_FLOWS_BACKEND`` environment variable, ``[tool.domino_flows] backend`` in pyproject.toml,
then ``local``. Asking for ``domino`` never falls back to ``local``: a flow meant for Domino that
silently ran on a laptop would report results that were never produced where the user thinks.
"""

from __future__ import annotations

import os
from pathlib import Path

from domino_flows.backends.base import JobBackend
from domino_flows.core.errors import ConfigurationError
from domino_flows.core.project import BACKEND_NAMES, LOCAL_BACKEND, ProjectSettings

BACKEND_VARIABLE = "DOMINO_FLOWS_BACKEND"


def backend_name(
    name: str | None = None,
    project_root: Path | None = None,
    settings: ProjectSettings | None = None,
) -> str:
    """Which backend ``get_backend`` would build, and where the choice came from is checked."""
    from domino_flows.core.project import load_settings

    if name:
        source = "the backend argument"
    elif os.environ.get(BACKEND_VARIABLE):
        name, source = os.environ[BACKEND_VARIABLE], f"${BACKEND_VARIABLE}"
    else:
        settings = settings or load_settings(project_root)
        name = settings.backend or LOCAL_BACKEND
        source = str(settings.pyproject) if settings.backend else "the default"
    name = name.strip().lower()
    if name not in BACKEND_NAMES:
        raise ConfigurationError(
            f"unknown backend {name!r} (from {source}); use one of {', '.join(BACKEND_NAMES)}."
        )
    return name


def start_early(name: str | None, project_root: Path) -> ProjectSettings | None:
    """Before a run loads its flow (flytekit's import: most of a second), start on another core
    what its backend would otherwise start after it: locally, the warm job launcher (see
    ``local_warm.start_early``). Returns the project's settings, read to choose the backend, for
    the run to use; None when they or the backend cannot be read: the run reads them again where
    it always did, after the flow, and reports the problem there."""
    from domino_flows.core.project import load_settings

    try:
        settings = load_settings(project_root)
        chosen = backend_name(name, project_root, settings)
    except (ConfigurationError, OSError):
        return None
    if chosen == LOCAL_BACKEND:
        from domino_flows.backends import local_warm

        local_warm.start_early()
    return settings


def get_backend(
    name: str | None = None,
    project_root: Path | None = None,
    settings: ProjectSettings | None = None,
) -> JobBackend:
    """The backend to run jobs on, for the project at ``project_root`` (default: the project of
    the current directory), with its ``settings`` when the caller has loaded them already."""
    from domino_flows.core.paths import default_project_root
    from domino_flows.core.project import load_settings

    root = (project_root or default_project_root()).resolve()
    settings = settings or load_settings(root)
    chosen = backend_name(name, root, settings)
    if chosen == LOCAL_BACKEND:
        from domino_flows.backends.local import LocalBackend

        return LocalBackend(root, settings)
    try:
        from domino_flows.backends.domino import DominoBackend
    except ImportError as error:
        shadow = _project_file_shadowing(error, root)
        if shadow is not None:
            raise ConfigurationError(
                f"{shadow} has the name of the module {error.name!r} that the domino backend "
                "imports (python-domino needs the installed one), and the flow's folder comes "
                f"first on Python's path: rename {shadow.name} (say, to "
                f"{shadow.stem}_steps.py) and run again."
            ) from None
        raise ConfigurationError(
            f"the domino backend was chosen but cannot be loaded ({error}); check that "
            "domino-flows is fully installed (pip install domino-flows). Choose the local "
            f"backend explicitly (--backend local or {BACKEND_VARIABLE}=local) to run locally."
        ) from None
    backend: JobBackend = DominoBackend(root, settings)
    return backend


def _project_file_shadowing(error: ImportError, root: Path) -> Path | None:
    """The project's own file that an import found instead of an installed module, if any."""
    if not error.path:
        return None
    path = Path(error.path).resolve()
    return path if path.is_relative_to(root) else None
