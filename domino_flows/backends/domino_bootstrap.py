"""The bootstrap a Domino job of the domino backend runs: ``python <files>/<staging>/job.pyz``.

The domino backend uploads one archive per task attempt into the project's files, at
``.domino-flows/staging/<date>-<run>/<task>-<marker>/job.pyz``: a Python zip application holding
this file as ``__main__.py``, a ``job.json`` manifest and the task's inputs under ``inputs/``.
``<files>`` is where the job sees the project's files: ``/mnt`` in a DFS project,
``/mnt/artifacts`` in a git-based one. In the job this script:

- unpacks the inputs next to the archive and deletes the archive (the job's output commit then
  no longer holds the inputs, so later jobs do not copy them);
- points ``DOMINO_FLOWS_INPUTS_DIR`` / ``DOMINO_FLOWS_OUTPUTS_DIR`` at the unpacked inputs and at an
  outputs folder beside them; inside a Domino job (``DOMINO_RUN_ID`` set) that lacks
  ``/workflow/inputs``, runs the command in a private mount namespace where ``/workflow`` is the
  staging folder (a user namespace mapping only the job's own user when it is not root, as
  Domino's jobs are not), so scripts that open ``/workflow/inputs/<name>`` work. That needs a
  ``/workflow`` folder in the job's image (a job cannot make top-level folders) and user
  namespaces; without them the log says so and what to do;
- runs the task's command through the shell from the job's working directory: Domino's
  ``DOMINO_WORKING_DIR`` when set, else the manifest's (``/mnt/code`` in git-based projects,
  ``/mnt`` in DFS ones), so the command's relative paths mean what they mean in Domino;
- enforces the contract's output rules (every declared output present, primitive outputs at most
  1024 bytes, ``_ERROR`` at most 1 MiB), reporting a broken rule in ``_ERROR``;
- packs the outputs (``_ERROR`` included) into one ``outputs.zip`` beside where the archive was,
  which the backend downloads in one request, and removes the unpacked folders;
- prunes staging folders of earlier days (older than the manifest's ``retention_days``), so the
  project's files do not grow with every run: Domino commits the deletions with this job;
- exits with the command's exit code (1 if the command succeeded but the outputs broke a rule).

When the manifest carries a tracking plan, the job also records itself where Domino users look
(``domino_flows_tracking.py`` in the archive, a copy of ``domino_flows/contract/tracking_job.py``):
an MLflow run written from inside the job (where Domino sets ``MLFLOW_TRACKING_URI``), whose id the
command gets in ``MLFLOW_RUN_ID``; and ``dominostats.json`` at the project files' root with the
task's numeric outputs and what it logged. Its MLflow run id goes back in ``_TRACKING.json`` among
the outputs. A record that cannot be written is said in the log and never fails the task; nor
does a registered DATA file that cannot be copied into its dataset (``domino_job_datasets.py``).

It runs on the job's interpreter, so it is standard library only and self-contained: the
constants below mirror ``domino_flows.contract.formats``, and the tests check
:func:`output_problems` against ``contract.read_outputs`` with the same cases.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

INPUTS_DIR_VARIABLE = "DOMINO_FLOWS_INPUTS_DIR"
OUTPUTS_DIR_VARIABLE = "DOMINO_FLOWS_OUTPUTS_DIR"
WORKFLOW_ROOT = "/workflow"
WORKFLOW_INPUTS = "/workflow/inputs"
WORKFLOW_OUTPUTS = "/workflow/outputs"
_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000
_MS_BIND, _MS_REC, _MS_PRIVATE = 0x1000, 0x4000, 0x40000
PRIMITIVE_OUTPUT_LIMIT = 1024
ERROR_FILE = "_ERROR"
ERROR_FILE_LIMIT = 1024 * 1024
PRIMITIVE_KINDS = frozenset({"str", "int", "float", "bool", "datetime", "timedelta"})
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
MANIFEST_FILE = "job.json"
INPUTS_FOLDER = "inputs"
OUTPUTS_FOLDER = "outputs"
OUTPUTS_ARCHIVE = "outputs.zip"
STAGING_ROOT = ".domino-flows/staging"
TRACKING_MODULE = "domino_flows_tracking"
DATASETS_MODULE = "domino_flows_datasets"  # domino_job_datasets.py: files into datasets
MODULES = (TRACKING_MODULE + ".py", DATASETS_MODULE + ".py")
TRACKING_REPORT = "_TRACKING.json"
RECORDS_FILE = "tracking.jsonl"


def project_root(staging_dir: Path, staging: str) -> Path:
    """The project root: ``staging_dir`` minus the staging path's parts."""
    root = staging_dir
    for _ in Path(staging).parts:
        root = root.parent
    return root


def _find_primitive(directory: Path, name: str) -> tuple[Path | None, str | None]:
    exact = directory / name
    if exact.exists():
        return exact, None
    candidates = sorted(p for p in directory.glob(name + ".*") if p.is_file())
    if len(candidates) > 1:
        listed = ", ".join(p.name for p in candidates)
        return None, (
            f"output {name!r}: found {listed}; write exactly one file named {name} "
            f"(or one {name}.<extension>)."
        )
    return (candidates[0] if candidates else None), None


def output_problems(directory: Path, outputs: dict[str, str]) -> list[str]:
    """Broken output rules, one message each (empty when the outputs are fine).

    ``outputs`` maps each declared output's name to its kind (``int``, ``file``, ...).
    """
    problems = []
    for name, kind in outputs.items():
        link = _first_link(directory, name)
        if link is not None:  # as contract.read_outputs: never collect what a link points at
            problems.append(
                f"output {name!r}: {link} is a symbolic link (to {os.readlink(link)}); write the "
                "file or directory itself into the outputs folder (copy it, don't link it)."
            )
            continue
        if kind in PRIMITIVE_KINDS:
            path, problem = _find_primitive(directory, name)
            if problem:
                problems.append(problem)
                continue
            if path is None:
                problems.append(
                    f"output {name!r} was not written: expected it at {directory / name}"
                )
                continue
            if not path.is_file():
                problems.append(f"output {name!r} at {path} must be a file holding a {kind}")
                continue
            size = path.stat().st_size
            if size > PRIMITIVE_OUTPUT_LIMIT:
                problems.append(
                    f"output {name!r} is {size} bytes; Domino reads primitive outputs of at most "
                    f"{PRIMITIVE_OUTPUT_LIMIT} bytes. Declare it as a FlyteFile and write the "
                    "data there instead."
                )
                continue
            problem = _primitive_text_problem(path, name, kind)
            if problem:
                problems.append(problem)
        else:
            path = directory / name
            if not path.exists():
                problems.append(f"output {name!r} was not written: expected it at {path}")
            elif kind == "file" and not path.is_file():
                problems.append(f"output {name!r} at {path} must be a file")
            elif kind == "directory" and not path.is_dir():
                problems.append(f"output {name!r} at {path} must be a directory")
    return problems


def _primitive_text_problem(path: Path, name: str, kind: str) -> str | None:
    """The text rules ``formats`` applies when the output is read back: UTF-8, and integers
    within Flyte's int64. Checked here too so the Domino job itself fails, visibly in Domino."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return (
            f"output {name!r} at {path} is not UTF-8 text (byte {data[error.start]:#04x} at "
            f"offset {error.start}); write it as UTF-8 text, or declare a FlyteFile for binary data"
        )
    if kind != "int":
        return None
    try:
        value = int(text.strip())
    except ValueError:
        return f"output {name!r} at {path} must hold a whole number, found {text[:60]!r}"
    if not INT64_MIN <= value <= INT64_MAX:
        return (
            f"output {name!r} is outside the 64-bit integer range Flyte carries ({INT64_MIN} to "
            f"{INT64_MAX}); return a smaller number, or a float or str for larger values"
        )
    return None


def _mount_workflow(staging_dir: Path) -> None:
    """In the child, before the command starts: a private mount namespace where ``/workflow`` is
    ``staging_dir`` (so ``/workflow/inputs`` and ``/workflow/outputs`` are the attempt's). A job
    user that is not root gets a user namespace mapping only itself, so the command still runs
    as that user; its capabilities there end when the command is executed."""
    import ctypes

    def failed(step: str, errno: int) -> OSError:
        # the parent only learns that this function raised: say which step failed, in the log
        os.write(2, f"[domino-flows] {step} failed: {os.strerror(errno)}\n".encode())
        return OSError(errno, step)

    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(_CLONE_NEWNS | (0 if uid == 0 else _CLONE_NEWUSER)) != 0:
        raise failed("unshare (a private mount namespace)", ctypes.get_errno())
    try:
        if uid != 0:
            Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
            Path("/proc/self/setgroups").write_text("deny")
            Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    except OSError as error:
        raise failed("mapping the job's user", error.errno or 0) from None
    for step, call in (
        ("making mounts private", (None, b"/", None, _MS_REC | _MS_PRIVATE, None)),
        (
            f"mounting {staging_dir} at {WORKFLOW_ROOT}",
            (str(staging_dir).encode(), WORKFLOW_ROOT.encode(), None, _MS_BIND, None),
        ),
    ):
        if libc.mount(*call) != 0:
            raise failed(step, ctypes.get_errno())


def workflow_paths(staging_dir: Path) -> tuple[Any, str]:
    """How the command gets ``/workflow/inputs`` and ``/workflow/outputs``, inside Domino
    (``DOMINO_RUN_ID`` set): ``(preexec, note)``. Nothing when the job already has them (Domino
    Flows' own task pods); else a private mount of the staging folder at ``/workflow`` where the
    image has that folder (or the job, as root, can make it); else a note saying why not and
    what to do. Never replaces anything on the machine."""
    if not os.environ.get("DOMINO_RUN_ID") or os.path.lexists(WORKFLOW_INPUTS):
        return None, ""
    root = Path(WORKFLOW_ROOT)
    if not root.is_dir() and os.getuid() == 0:
        with contextlib.suppress(OSError):  # a read-only root: the note below says so
            root.mkdir()
    if not root.is_dir():
        return None, (
            f"{WORKFLOW_INPUTS} and {WORKFLOW_OUTPUTS} are not available: the job's image has "
            f"no {WORKFLOW_ROOT} folder and user {os.getuid()} cannot make it. Add "
            f"`RUN mkdir {WORKFLOW_ROOT}` to the environment's Dockerfile, or read the paths "
            f"from {INPUTS_DIR_VARIABLE} / {OUTPUTS_DIR_VARIABLE} (domino_flows.job does)."
        )
    return (lambda: _mount_workflow(staging_dir)), ""


def _first_link(directory: Path, name: str) -> Path | None:
    """A symbolic link at an output (``<name>``, ``<name>.*``) or inside an output directory."""
    for path in sorted(directory.glob(f"{name}*")):
        if path.name != name and not path.name.startswith(f"{name}."):
            continue
        if path.is_symlink():
            return path
        if path.is_dir():
            for folder, dirs, files in os.walk(path):
                for entry in (*dirs, *files):
                    if Path(folder, entry).is_symlink():
                        return Path(folder, entry)
    return None


def _truncate_error_file(path: Path) -> None:
    if path.is_file() and path.stat().st_size > ERROR_FILE_LIMIT:
        with path.open("rb") as handle:
            head = handle.read(ERROR_FILE_LIMIT)
        path.write_bytes(head + b"\n[... _ERROR truncated at 1 MiB]")


def working_directory(manifest: dict[str, Any], files_root: Path) -> Path:
    """Where the command starts: Domino's working directory, as the job would see it."""
    for candidate in (os.environ.get("DOMINO_WORKING_DIR"), manifest.get("working_dir")):
        if candidate and os.path.isdir(candidate):
            return Path(candidate)
    return files_root


def run(staging_dir: Path, manifest: dict[str, Any]) -> int:
    """Run the task's command with the inputs already under ``staging_dir/inputs``."""
    files_root = project_root(staging_dir, manifest["staging"])
    inputs = staging_dir / INPUTS_FOLDER
    outputs = staging_dir / OUTPUTS_FOLDER
    inputs.mkdir(parents=True, exist_ok=True)
    outputs.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env[INPUTS_DIR_VARIABLE] = str(inputs)
    env[OUTPUTS_DIR_VARIABLE] = str(outputs)
    env.update(manifest.get("environment") or {})
    command = manifest["command"]
    tracking = _Tracking.begin(staging_dir, files_root, manifest.get("tracking") or {}, env)
    print(f"[domino-flows] task {manifest.get('task', '')}: {command}", file=sys.stderr, flush=True)
    preexec, note = workflow_paths(staging_dir)
    cwd = working_directory(manifest, files_root)
    child = None
    if preexec is not None:
        try:
            child = subprocess.Popen(command, shell=True, cwd=cwd, env=env, preexec_fn=preexec)
        except (OSError, subprocess.SubprocessError) as error:
            note = (
                f"{WORKFLOW_INPUTS} and {WORKFLOW_OUTPUTS} are not available: this job may not "
                f"make a private mount of {WORKFLOW_ROOT} (the line above says why; {error}); "
                f"read the paths from {INPUTS_DIR_VARIABLE} / {OUTPUTS_DIR_VARIABLE} "
                "(domino_flows.job does)."
            )
    if note:
        print(f"[domino-flows] {note}", file=sys.stderr, flush=True)
    if child is None:
        child = subprocess.Popen(command, shell=True, cwd=cwd, env=env)

    def forward(signum: int, _frame: Any) -> None:
        child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    code = child.wait()
    if code < 0:  # killed by a signal: report it as a shell would
        code = 128 - code
    error_file = outputs / ERROR_FILE
    if code == 0 and not error_file.exists():
        problems = output_problems(outputs, manifest.get("outputs", {}))
        if problems:
            error_file.write_text("\n".join(problems), encoding="utf-8")
    elif code != 0 and not error_file.exists():
        error_file.write_text(
            f"the command exited with code {code}; see the job's log", encoding="utf-8"
        )
    _truncate_error_file(error_file)
    datasets = _load_module(staging_dir, DATASETS_MODULE) if manifest.get("datasets") else None
    if datasets is not None and not error_file.exists():  # Artifact(..., DATA, register=...)
        datasets.write(outputs, manifest["datasets"], env)
    if tracking is not None:
        tracking.end(outputs, succeeded=not error_file.exists())
    if error_file.exists():
        print(
            "[domino-flows] task failed: " + error_file.read_text("utf-8", errors="replace"),
            file=sys.stderr,
            flush=True,
        )
        return code if code != 0 else 1
    return code


class _Tracking:
    """The job's records: its MLflow run (``domino_flows_tracking``) and ``dominostats.json``."""

    def __init__(self, module: Any, plan: dict[str, Any], stats: Path, records: Path) -> None:
        self.module, self.plan, self.stats, self.records = module, plan, stats, records
        self.run: Any = None

    @classmethod
    def begin(
        cls, staging_dir: Path, files_root: Path, plan: dict[str, Any], env: dict[str, str]
    ) -> _Tracking | None:
        if not plan:
            return None
        module = _load_module(staging_dir, TRACKING_MODULE)
        if module is None:
            return None
        # Domino reads dominostats.json at the root of the project's files when the job ends
        stats = Path(env.get(module.STATS_FILE_VARIABLE) or files_root / module.STATS_FILE)
        records = staging_dir / RECORDS_FILE
        # an earlier job's numbers, committed with its results, are not this job's
        stats.unlink(missing_ok=True)
        env[module.STATS_FILE_VARIABLE] = str(stats)
        env[module.RECORDS_FILE_VARIABLE] = str(records)
        tracking = cls(module, plan, stats, records)
        tracking.run = module.start_in_job(plan, env)
        return tracking

    def end(self, outputs: Path, succeeded: bool) -> None:
        if self.plan.get("stats") and succeeded:
            numbers = self.module.output_numbers(outputs, self.plan.get("metric_outputs", []))
            if numbers:
                self.module.update_stats(self.stats, numbers)
        report = self.module.finish_in_job(self.run, succeeded, outputs, self.records, self.stats)
        if self.stats.is_file():
            report["stats_file"] = str(self.stats)
        if report:
            (outputs / TRACKING_REPORT).write_text(json.dumps(report), encoding="utf-8")


def _load_module(staging_dir: Path, name: str) -> Any:
    """A module of the archive unpacked beside the inputs (the archive is deleted by then)."""
    path = staging_dir / (name + ".py")
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    writes, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no __pycache__ to commit
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = writes
    return module


def unpack(archive: Path) -> dict[str, Any]:
    """The manifest, with the archive's inputs (and tracking module) unpacked beside it."""
    staging_dir = archive.parent
    with zipfile.ZipFile(archive) as bundle:
        manifest: dict[str, Any] = json.loads(bundle.read(MANIFEST_FILE).decode("utf-8"))
        for member in bundle.namelist():
            if member.startswith(INPUTS_FOLDER + "/") or member in MODULES:
                bundle.extract(member, staging_dir)
    return manifest


def pack_outputs(staging_dir: Path) -> Path:
    """``outputs.zip`` of everything under ``outputs/`` (empty folders kept)."""
    outputs = staging_dir / OUTPUTS_FOLDER
    target = staging_dir / OUTPUTS_ARCHIVE
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(outputs.rglob("*")):
            name = path.relative_to(outputs).as_posix()
            if path.is_symlink():
                continue  # a link's target is not an output (the rules above refuse links)
            if path.is_dir():
                bundle.writestr(name + "/", b"")
            elif path.is_file():
                bundle.write(path, name)
    return target


def prune(files_root: Path, keep: Path, retention_days: int, today: dt.date) -> list[str]:
    """Remove staging folders of runs staged more than ``retention_days`` before ``today``."""
    removed: list[str] = []
    root = files_root / STAGING_ROOT
    if not root.is_dir():
        return removed
    for folder in sorted(root.iterdir()):
        try:
            day = dt.datetime.strptime(folder.name[:8], "%Y%m%d").date()
        except ValueError:
            continue
        if folder.is_dir() and folder != keep and (today - day).days > retention_days:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed


def run_archive(archive: Path) -> int:
    staging_dir = archive.parent
    manifest = unpack(archive)
    archive.unlink()
    code = run(staging_dir, manifest)
    pack_outputs(staging_dir)
    for folder in (INPUTS_FOLDER, OUTPUTS_FOLDER):
        shutil.rmtree(staging_dir / folder, ignore_errors=True)
    for leftover in (*MODULES, RECORDS_FILE):
        (staging_dir / leftover).unlink(missing_ok=True)
    files_root = project_root(staging_dir, manifest["staging"])
    today = dt.datetime.now(dt.timezone.utc).date()
    prune(files_root, staging_dir.parent, int(manifest.get("retention_days", 7)), today)
    return code


def main() -> int:
    return run_archive(Path(sys.argv[0]).resolve())


if __name__ == "__main__":
    sys.exit(main())
