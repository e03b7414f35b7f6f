"""What a local job sees: its ``python``, its command line and its environment variables.

On Domino the environment (a Docker image) decides what ``python`` is and the platform sets
``DOMINO_*`` variables; locally the project's settings decide, and this module imitates the rest:

- ``python``/``python3`` are small shim scripts on ``PATH`` that run the environment's interpreter
  (scripts, not symlinks: a virtualenv's interpreter must be started by its own path), or the
  environment's ``command_prefix`` wraps the whole command (``conda run -n x /bin/sh -c '...'``);
- the contract's directories arrive through ``DOMINO_FLOWS_INPUTS_DIR``/``..._OUTPUTS_DIR``, custom
  Domino paths through ``DOMINO_FLOWS_ROOT``;
- ``DOMINO_PROJECT_NAME``, ``DOMINO_RUN_ID``, ``DOMINO_HARDWARE_TIER_NAME`` and friends are set as
  Domino sets them; thread-count variables follow the tier's cores unless already set;
- Domino credentials of this process are removed: a local job never acts on Domino for the user.
"""

from __future__ import annotations

import functools
import getpass
import hashlib
import os
import shlex
import shutil
import threading
from pathlib import Path

from domino_flows.contract import formats, job_types
from domino_flows.core.paths import STATE_DIR, state_dir
from domino_flows.core.project import EnvironmentSettings, HardwareTierSettings, ProjectSettings
from domino_flows.core.redaction import CREDENTIAL_VARIABLES

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def command_line(command: str, environment: EnvironmentSettings) -> str:
    """The shell command the job runs: the task's command as Domino runs it (a script by its
    extension, ``job_types``), wrapped by a prefix if configured."""
    command = job_types.shell_command(command)
    if environment.command_prefix:
        return f"{environment.command_prefix} /bin/sh -c {shlex.quote(command)}"
    return command


def real_interpreter(name: str) -> str | None:
    """The interpreter's absolute path, looked up on PATH without our own shim folders: a shim
    that ran ``python3`` by name would otherwise find itself and loop forever. Once found, it is
    remembered per name and PATH (a job asks two or three times)."""
    path = os.environ.get("PATH", "")
    found = _interpreters.get((name, path))
    if found is None:
        search = [
            folder
            for folder in path.split(os.pathsep)
            if f"{os.sep}{STATE_DIR}{os.sep}shims" not in folder
        ]
        which = shutil.which(name, path=os.pathsep.join(search))
        if which is None:
            return None  # not remembered: it may be installed before the next job
        found = _interpreters[(name, path)] = str(Path(which).absolute())
    return found


_interpreters: dict[tuple[str, str], str] = {}


def launch_problem(environment: EnvironmentSettings) -> str | None:
    """Why the environment's interpreter cannot start, said before a job fails obscurely."""
    if environment.python is None or real_interpreter(environment.python) is not None:
        return None
    return (
        f"environment {environment.name!r} uses python = {environment.python!r}, which is not "
        "an executable file (or not on PATH); fix it in [tool.domino_flows.environments]."
    )


def shim_dir(project_root: Path, environment: EnvironmentSettings) -> Path:
    """A folder whose ``python`` and ``python3`` run the environment's interpreter."""
    interpreter = real_interpreter(environment.interpreter) or environment.interpreter
    tag = hashlib.sha256(interpreter.encode()).hexdigest()[:10]
    directory = state_dir(project_root) / "shims" / tag
    script = f'#!/bin/sh\nexec {shlex.quote(interpreter)} "$@"\n'
    for name in ("python", "python3"):
        path = directory / name
        if not path.is_file() or path.read_text() != script:
            directory.mkdir(parents=True, exist_ok=True)
            # written aside and renamed: jobs starting at once never see half a script
            temporary = directory / f".{name}.{os.getpid()}.{threading.get_ident()}"
            temporary.write_text(script)
            temporary.chmod(0o755)
            temporary.replace(path)
    return directory


def job_variables(
    project_root: Path,
    settings: ProjectSettings,
    directory: Path,
    environment: EnvironmentSettings,
    tier: HardwareTierSettings,
    job_id: str,
    project_id: str,
    shims: dict[str, Path] | None = None,
) -> dict[str, str]:
    """The job's environment: this process's, minus credentials, plus what Domino would set.
    ``shims``: the shim folders already checked, by environment (the backend's, for its run)."""
    env = _inherited()
    if not environment.command_prefix:
        folder = shims.get(environment.name) if shims is not None else None
        if folder is None:
            folder = shim_dir(project_root, environment)
            if shims is not None:
                shims[environment.name] = folder
        env["PATH"] = f"{folder}{os.pathsep}{env.get('PATH', '')}"
    cores = str(max(1, int(tier.cores)))
    for variable in THREAD_VARIABLES:
        env.setdefault(variable, cores)
    env.update(
        {
            formats.INPUTS_DIR_VARIABLE: str(directory / "inputs"),
            formats.OUTPUTS_DIR_VARIABLE: str(directory / "outputs"),
            "DOMINO_FLOWS_ROOT": str(directory / "root"),
            "DOMINO_FLOWS_JOB_DIR": str(directory),
            "DOMINO_FLOWS_PROJECT_ROOT": str(project_root),
            "DOMINO_PROJECT_NAME": settings.project_name,
            "DOMINO_PROJECT_OWNER": settings.project_owner,
            "DOMINO_PROJECT_ID": project_id,
            "DOMINO_RUN_ID": job_id,
            "DOMINO_STARTING_USERNAME": _user(),
            "DOMINO_HARDWARE_TIER_ID": tier.name,
            "DOMINO_HARDWARE_TIER_NAME": tier.name,
            "DOMINO_ENVIRONMENT_NAME": environment.name,
            "DOMINO_WORKING_DIR": str(project_root),
            "DOMINO_IS_GIT_BASED": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@functools.lru_cache(maxsize=1)
def _user() -> str:
    """Who runs the jobs (the password database is read once per process)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"


# (the encoded table it was decoded from, the decoded copy): one value, swapped whole
_inherited_cache: tuple[dict[bytes, bytes], dict[str, str]] = ({}, {})


def _inherited() -> dict[str, str]:
    """This process's environment without its credentials, decoded again only when it changed
    since the last job (decoding each of a hundred variables was a fifth of starting a job).
    Compared with what the process's own table holds, so any change is seen."""
    global _inherited_cache
    table = getattr(os.environ, "_data", None)  # CPython's encoded table behind os.environ
    source, copy = _inherited_cache
    if not isinstance(table, dict) or table != source:
        # the table is copied first: a change made while decoding is seen by the next job
        snapshot = dict(table) if isinstance(table, dict) else None
        copy = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_VARIABLES}
        if snapshot is not None:
            _inherited_cache = (snapshot, copy)
    return dict(copy)
