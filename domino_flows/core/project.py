"""Project settings: ``[tool.domino_flows]`` in the project's pyproject.toml.

A flow names Domino environments and hardware tiers; the local backend has neither, so the project
says what they mean on this machine::

    [tool.domino_flows]
    backend = "local"                      # or "domino"
    filesystem = "domino"                  # jobs see /workflow and /mnt/code (Linux); or "plain"
    project_layout = "git"                 # project at /mnt/code; "dfs": at /mnt
    artifacts = "outputs/artifacts"        # what /mnt/artifacts shows (default: .domino-flows/)

    [tool.domino_flows.environments."Python 3.11"]
    python = "/usr/bin/python3.11"         # answers to `python` inside the job

    [tool.domino_flows.environments."GPU Python 3.11"]
    command_prefix = "conda run -n gpu"    # or run the job's command through a prefix

    [tool.domino_flows.hardware_tiers.Small]
    cores = 1
    memory_gib = 4                         # a job using more is stopped, as on Domino

    [tool.domino_flows.domino]
    project = "owner/name"
    host = "https://domino.example.com"    # optional; credentials come from the environment
    poll_outage_minutes = 30               # optional; how long polling rides out an outage

    [tool.domino_flows.datasets]           # dataset name (or id) -> local folder
    sales = "data/sales"                   # snapshots: <folder>/snapshots/<version> if present

    [tool.domino_flows.volumes]            # external data volume name -> local folder
    shared-nfs = "/srv/nfs/shared"

    [tool.domino_flows.netapp_volumes]     # NetApp volume id (or name) -> local folder
    "63ea5468-592f-4d24-8685-c55b2929cf8a" = "data/netapp"

    [tool.domino_flows.bundles]            # bundle id -> local folder (artifact exports)

Nothing configured is fine: every environment is the current interpreter and every tier the
default tier, and this is said once per process. Once names are configured, an unknown name is an
error listing the configured ones, because a typo would otherwise run on the wrong machine size;
an entry named ``"*"`` opts out of that, mapping every name not listed.
Credentials never live here: a key that looks like one is refused.
"""

from __future__ import annotations

import difflib
import logging
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from domino_flows.core.errors import ConfigurationError
from domino_flows.core.paths import default_project_root
from domino_flows.core.project_checks import (
    DATA_TABLES,
    optional_string,
    positive_number,
    refuse_secrets,
    refuse_unknown_keys,
    settings_entry,
    settings_table,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

logger = logging.getLogger(__name__)

# The backends' names, here only: configuration, the command line and the backends use these.
LOCAL_BACKEND = "local"
DOMINO_BACKEND = "domino"
BACKEND_NAMES = (LOCAL_BACKEND, DOMINO_BACKEND)
FILESYSTEMS = ("domino", "plain")
WILDCARD = "*"  # an environment or tier entry that maps every name not listed
PROJECT_LAYOUTS = ("git", "dfs")
DEFAULT_TIER_CORES = 1.0

# Which "not configured, using the default" notes this process has already given. Module state on
# purpose: the note is about the process's configuration, and repeating it per task is noise.
_NOTED: set[str] = set()


@dataclass(frozen=True)
class EnvironmentSettings:
    """What a Domino environment name means locally: an interpreter or a command prefix."""

    name: str
    python: str | None = None
    command_prefix: str | None = None
    configured: bool = True

    @property
    def interpreter(self) -> str:
        return self.python or sys.executable


@dataclass(frozen=True)
class HardwareTierSettings:
    """What a hardware tier name means locally: scheduling slots and a memory ceiling."""

    name: str
    cores: float = DEFAULT_TIER_CORES
    memory_gib: float | None = None
    configured: bool = True

    @property
    def memory_bytes(self) -> int | None:
        return None if self.memory_gib is None else int(self.memory_gib * 1024**3)

    @property
    def memory_text(self) -> str:
        """``4 GiB``, ``0.5 GiB``: how the tier's memory reads in messages."""
        if self.memory_gib is None:
            return "unlimited"
        amount = int(self.memory_gib) if float(self.memory_gib).is_integer() else self.memory_gib
        return f"{amount} GiB"


@dataclass(frozen=True)
class DominoSettings:
    project: str | None = None
    host: str | None = None
    # How long polling a job may ride out a Domino outage, how long a job start may keep
    # trying, and after how many days staging folders are pruned (domino backend defaults if None).
    poll_outage_minutes: float | None = None
    start_budget_minutes: float | None = None
    retention_days: float | None = None


@dataclass(frozen=True)
class FilesystemSettings:
    """What a local job's filesystem looks like (see ``backends/local_mounts.py``).

    ``mode`` None means "domino where this machine can build it, else plain"; an explicit
    ``"domino"`` on a machine that cannot is an error naming why.
    """

    mode: str | None = None
    layout: str = "git"
    artifacts: Path | None = None


@dataclass(frozen=True)
class ProjectSettings:
    """Settings of one project, read once; ``pyproject`` is None when there is no file."""

    root: Path
    pyproject: Path | None = None
    backend: str | None = None
    environments: dict[str, EnvironmentSettings] = field(default_factory=dict)
    hardware_tiers: dict[str, HardwareTierSettings] = field(default_factory=dict)
    domino: DominoSettings = field(default_factory=DominoSettings)
    # What Domino's data sources are on this machine: name (or id) -> folder, per kind.
    datasets: dict[str, Path] = field(default_factory=dict)
    volumes: dict[str, Path] = field(default_factory=dict)
    netapp_volumes: dict[str, Path] = field(default_factory=dict)
    bundles: dict[str, Path] = field(default_factory=dict)
    # [tool.domino_flows.lineage]: where OpenLineage events also go (lineage_transport.py)
    lineage: dict[str, Any] = field(default_factory=dict)
    # [tool.domino_flows.tracking]: MLflow runs, job tags, dominostats.json (execution/tracking.py)
    tracking: dict[str, Any] = field(default_factory=dict)
    filesystem: FilesystemSettings = field(default_factory=FilesystemSettings)

    def data_folder(self, table: str, key: str, task: str = "", what: str = "") -> Path:
        """The local folder of dataset / volume / NetApp volume / bundle ``key``.

        Unconfigured data cannot be emulated: the error names the task, the key and the table
        to add it to.
        """
        folders: dict[str, Path] = getattr(self, table)
        if key in folders:
            return folders[key]
        who = f"task {task!r} uses " if task else ""
        known = ", ".join(sorted(folders)) or "none configured"
        return_hint = f'[tool.domino_flows.{table}] "{key}" = "<folder>"'
        raise ConfigurationError(
            f"{who}{what or table[:-1].replace('_', ' ')} {key!r}, which has no local folder in "
            f"{self._where()} ({table}: {known}). Add {return_hint}."
        )

    @property
    def project_name(self) -> str:
        """``name`` of ``owner/name`` if configured, else the project folder's name."""
        if self.domino.project and "/" in self.domino.project:
            return self.domino.project.split("/", 1)[1]
        return self.root.name

    @property
    def project_owner(self) -> str:
        if self.domino.project and "/" in self.domino.project:
            return self.domino.project.split("/", 1)[0]
        return "local"

    def environment(self, name: str | None, task: str = "") -> EnvironmentSettings:
        """The environment called ``name`` (None: the current interpreter)."""
        if name is None:
            return EnvironmentSettings("default", configured=False)
        if name in self.environments:
            return self.environments[name]
        if WILDCARD in self.environments:
            return replace(self.environments[WILDCARD], name=name)
        if self.environments:
            raise self._unknown("environment", name, task, list(self.environments))
        _note_once("environments", unconfigured_note(self, "environments", [name]))
        return EnvironmentSettings(name, configured=False)

    def hardware_tier(self, name: str | None, task: str = "") -> HardwareTierSettings:
        """The hardware tier called ``name`` (None: the default tier)."""
        if name is None:
            return HardwareTierSettings("default", configured=False)
        if name in self.hardware_tiers:
            return self.hardware_tiers[name]
        if WILDCARD in self.hardware_tiers:
            return replace(self.hardware_tiers[WILDCARD], name=name)
        if self.hardware_tiers:
            raise self._unknown("hardware tier", name, task, list(self.hardware_tiers))
        _note_once("hardware_tiers", unconfigured_note(self, "hardware_tiers", [name]))
        return HardwareTierSettings(name, configured=False)

    def _where(self) -> str:
        return str(self.pyproject) if self.pyproject else f"{self.root} (no pyproject.toml)"

    def _unknown(self, kind: str, name: str, task: str, known: list[str]) -> ConfigurationError:
        where = f"task {task!r} uses " if task else "unknown "
        table = "environments" if kind == "environment" else "hardware_tiers"
        return ConfigurationError(
            f"{where}{kind} {name!r}, which is not configured in {self._where()}."
            f"{did_you_mean(name, known)} Configured {kind}s: {', '.join(sorted(known))}. Fix "
            f'the name in the task, or add it under [tool.domino_flows.{table}] (a "*" entry '
            "maps every name not listed)."
        )


def did_you_mean(name: str, known: list[str] | tuple[str, ...]) -> str:
    """`` Did you mean 'Small'?`` for the closest known name, or nothing."""
    close = difflib.get_close_matches(name, [k for k in known if k != WILDCARD], n=1, cutoff=0.6)
    if not close:  # a case slip ('small' for 'Small') is not always close by difflib's measure
        close = [k for k in known if k.lower() == name.lower()][:1]
    return f" Did you mean {close[0]!r}?" if close else ""


def unconfigured_note(settings: ProjectSettings, table: str, names: list[str]) -> str:
    """What names used while ``table`` configures none mean on this machine."""
    used = ", ".join(repr(n) for n in names)
    if table == "environments":
        return (
            f"no environments are configured in {settings._where()}; every environment ({used}) "
            f"runs on this interpreter, {sys.executable}. Map names under "
            '[tool.domino_flows.environments."<name>"] with python = "..." or command_prefix.'
        )
    return (
        f"no hardware tiers are configured in {settings._where()}; every tier ({used}) gets "
        f"{DEFAULT_TIER_CORES:g} core and no memory limit. Define them under "
        "[tool.domino_flows.hardware_tiers.<name>] with cores and memory_gib."
    )


def hold_notes(*keys: str) -> None:
    """Notes the caller has said (or chose not to repeat) are not logged again by this process."""
    _NOTED.update(keys)


def _note_once(key: str, message: str) -> None:
    if key not in _NOTED:
        _NOTED.add(key)
        logger.warning(message)


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start``."""
    start = start.resolve()
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_settings(project_root: Path | None = None) -> ProjectSettings:
    """Read ``[tool.domino_flows]`` from the nearest pyproject.toml at or above the project root.

    ``project_root`` defaults to the project of the current directory (or
    ``DOMINO_FLOWS_PROJECT_ROOT``).
    """
    root = (project_root or default_project_root()).resolve()
    pyproject = find_pyproject(root)
    if pyproject is None:
        return ProjectSettings(root=root)
    try:
        document = tomllib.loads(pyproject_text(pyproject))
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"{pyproject} is not valid TOML: {error}") from None
    table = document.get("tool", {}).get("domino_flows", {})
    settings = parse_settings(table, root, pyproject)  # a credential is refused first
    refuse_unknown_keys(document, pyproject)
    return settings


def pyproject_text(pyproject: Path, shown: str | None = None) -> str:
    """The text of a pyproject.toml; TOML is UTF-8, so a byte that is not is one line naming
    the file, the byte, its position and line (``shown`` names the file, by default its path)."""
    data = pyproject.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ConfigurationError(
            f"{shown or pyproject}:{line}: byte 0x{data[error.start]:02x} at position "
            f"{error.start} is not UTF-8; pyproject.toml must be UTF-8 text: retype that "
            "character, or re-save the file as UTF-8."
        ) from None


def parse_settings(table: dict[str, Any], root: Path, pyproject: Path | None) -> ProjectSettings:
    """Validate a ``[tool.domino_flows]`` table; errors name the file and the key."""
    where = str(pyproject) if pyproject else "[tool.domino_flows]"
    refuse_secrets(table, where, "tool.domino_flows")
    backend = table.get("backend")
    if backend is not None and backend not in BACKEND_NAMES:
        raise ConfigurationError(
            f"{where}: [tool.domino_flows] backend = {backend!r}; use one of "
            f"{', '.join(BACKEND_NAMES)}."
        )
    environments = {}
    for name, entry in settings_table(table, "environments", where).items():
        entry = settings_entry(entry, f"environments.{name!r}", where)
        label = f'environments."{name}"'
        python = optional_string(entry, "python", label, where)
        prefix = optional_string(entry, "command_prefix", label, where)
        if (python is None) == (prefix is None):
            raise ConfigurationError(
                f"{where}: environment {name!r} needs exactly one of python = '<interpreter "
                "path>' or command_prefix = '<prefix>' (e.g. 'conda run -n myenv')."
            )
        if python is not None:
            python = _interpreter_path(python, root)
        environments[name] = EnvironmentSettings(name, python=python, command_prefix=prefix)
    tiers = {}
    for name, entry in settings_table(table, "hardware_tiers", where).items():
        entry = settings_entry(entry, f"hardware_tiers.{name}", where)
        label = f"hardware_tiers.{name}"
        cores = positive_number(entry.get("cores", DEFAULT_TIER_CORES), label, "cores", where)
        memory = entry.get("memory_gib")
        memory = None if memory is None else positive_number(memory, label, "memory_gib", where)
        tiers[name] = HardwareTierSettings(name, cores=cores, memory_gib=memory)
    domino = settings_table(table, "domino", where)
    project = optional_string(domino, "project", "domino", where)
    host = optional_string(domino, "host", "domino", where)
    if project is not None and project.count("/") != 1:
        raise ConfigurationError(
            f"{where}: [tool.domino_flows.domino] project = {project!r}; write it as "
            "'owner/project-name'."
        )
    data = {name: _folders(table, name, root, where) for name in DATA_TABLES}
    return ProjectSettings(
        root=root,
        pyproject=pyproject,
        backend=backend,
        environments=environments,
        hardware_tiers=tiers,
        domino=DominoSettings(
            project=project,
            host=host,
            **{
                key: positive_number(domino[key], "domino", key, where)
                for key in ("poll_outage_minutes", "start_budget_minutes", "retention_days")
                if key in domino
            },
        ),
        lineage=dict(settings_table(table, "lineage", where)),
        tracking=dict(settings_table(table, "tracking", where)),
        **data,
        filesystem=_filesystem(table, root, where),
    )


def _filesystem(table: dict[str, Any], root: Path, where: str) -> FilesystemSettings:
    """``filesystem``, ``project_layout`` and ``artifacts``; the folder is taken relative to the
    project root, as interpreter paths are."""
    mode, layout = table.get("filesystem"), table.get("project_layout", "git")
    for key, value, allowed in (
        ("filesystem", mode, FILESYSTEMS),
        ("project_layout", layout, PROJECT_LAYOUTS),
    ):
        if value is not None and value not in allowed:
            raise ConfigurationError(
                f"{where}: [tool.domino_flows] {key} = {value!r}; use one of {', '.join(allowed)}."
            )
    artifacts = table.get("artifacts")
    if artifacts is not None and not isinstance(artifacts, str):
        raise ConfigurationError(
            f"{where}: [tool.domino_flows] artifacts = {artifacts!r}; give a folder path."
        )
    return FilesystemSettings(
        mode=mode,
        layout=layout,
        artifacts=None if artifacts is None else root / Path(artifacts).expanduser(),
    )


def _folders(table: dict[str, Any], key: str, root: Path, where: str) -> dict[str, Path]:
    """A name -> folder table; relative folders are taken from the project root."""
    out = {}
    for name, folder in settings_table(table, key, where).items():
        if not isinstance(folder, str) or not folder.strip():
            raise ConfigurationError(
                f"{where}: [tool.domino_flows.{key}] {name!r} = {folder!r}; give a folder, e.g. "
                f'"{name}" = "data/{name}".'
            )
        if "/" in name or name in (".", ".."):
            raise ConfigurationError(
                f"{where}: [tool.domino_flows.{key}] {name!r}: a name cannot contain '/'."
            )
        path = Path(folder).expanduser()
        out[name] = path if path.is_absolute() else root / path
    return out


def _interpreter_path(python: str, root: Path) -> str:
    """Absolute paths and bare command names (found on PATH) stay; ``.venv/bin/python`` is taken
    relative to the project root, so the config is the same on every machine."""
    path = Path(python).expanduser()
    if path.is_absolute() or "/" not in python:
        return str(path)
    return str(root / path)
