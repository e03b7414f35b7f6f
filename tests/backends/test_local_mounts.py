"""Domino's filesystem for local jobs: settings, the mount plan, the fallback, and real jobs in
their own mount namespaces (where this machine can make them)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import textwrap
from pathlib import Path

import pytest

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.backends import local_mounts
from domino_flows.backends.base import JobSpec, JobState
from domino_flows.backends.local import LocalBackend
from domino_flows.core.errors import ConfigurationError
from domino_flows.core.project import FilesystemSettings, load_settings, parse_settings

REPO = Path(__file__).resolve().parents[2]
NAMESPACES = local_mounts.namespace_problem()
needs_namespaces = pytest.mark.skipif(
    NAMESPACES is not None, reason=f"this machine cannot make mount namespaces: {NAMESPACES}"
)

# A stage script as Domino's docs write one: fixed paths, plain open(), no kit import.
OFFICIAL_SCRIPT = """\
import os
with open("/workflow/inputs/rows") as f:
    rows = int(f.read())
with open("/domino/datasets/local/sales/numbers.txt") as f:
    extra = sum(int(line) for line in f)
with open("/mnt/artifacts/seen.txt", "a") as f:
    f.write(f"{rows}\\n")
with open("/workflow/outputs/total", "w") as f:
    f.write(str(rows + extra))
print("cwd", os.getcwd(), "code", os.path.isfile("/mnt/code/scripts/prep.py"))
"""


def write_project(root: Path, settings: str = "") -> Path:
    (root / "scripts").mkdir(parents=True)
    (root / "scripts" / "prep.py").write_text(OFFICIAL_SCRIPT)
    (root / "sales").mkdir()
    (root / "sales" / "numbers.txt").write_text("1\n2\n")
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""\
            [project]
            name = "demo"

            [tool.domino_flows]
            artifacts = "results"
            {settings}

            [tool.domino_flows.datasets]
            sales = "sales"
            """
        )
    )
    (root / "results").mkdir()
    return root


def job(task: str = "prep", attempt: int = 1, command: str = "") -> JobSpec:
    config = DominoJobConfig(Command=command or "python /mnt/code/scripts/prep.py")
    return JobSpec(
        run_id="run-1",
        flow="demo",
        task=task,
        config=config,
        attempt=attempt,
        input_types={"rows": int},
        output_types={"total": int},
    )


def run(backend: LocalBackend, spec: JobSpec, rows: int):
    handle = backend.start(spec, backend.stage_inputs(spec, {"rows": rows}))
    return handle, backend.wait(handle, 60)


def mounts_of_this_process() -> str:
    return Path("/proc/self/mountinfo").read_text() if Path("/proc/self").exists() else ""


# --- settings --------------------------------------------------------------------------------


def test_settings_default_to_domino_where_available_and_git_layout(tmp_path: Path) -> None:
    settings = parse_settings({}, tmp_path, None).filesystem
    assert settings == FilesystemSettings(mode=None, layout="git", artifacts=None)


def test_settings_take_folders_relative_to_the_project(tmp_path: Path) -> None:
    table = {
        "filesystem": "plain",
        "project_layout": "dfs",
        "artifacts": "out",
    }
    settings = parse_settings(table, tmp_path, None).filesystem
    assert settings.mode == "plain" and settings.layout == "dfs"
    assert settings.artifacts == tmp_path / "out"


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"filesystem": "docker"}, "filesystem = 'docker'; use one of domino, plain"),
        ({"project_layout": "svn"}, "project_layout = 'svn'; use one of git, dfs"),
        ({"artifacts": 3}, "artifacts = 3; give a folder path"),
    ],
)
def test_bad_settings_say_which_key(tmp_path: Path, table: dict, words: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        parse_settings(table, tmp_path, tmp_path / "pyproject.toml")
    assert words in str(error.value)
    assert str(tmp_path / "pyproject.toml") in str(error.value)


# --- the plan ----------------------------------------------------------------------------------


def staged_root(job: Path) -> Path:
    """A job folder whose root/ holds what stage_inputs puts there: data links, custom paths."""
    for folder in ("root/domino/datasets/local", "root/mnt/data/custom"):
        (job / folder).mkdir(parents=True)
    return job


def test_git_layout_plan(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p")
    settings = load_settings(project).filesystem
    plan = local_mounts.plan_for(project, settings, staged_root(tmp_path / "job"))
    assert plan.workdir == "/mnt/code"
    ours = [(source, target) for source, target in plan.binds if source != target]
    assert dict((target, source) for source, target in ours) == {
        "/workflow/inputs": str(tmp_path / "job" / "inputs"),
        "/workflow/outputs": str(tmp_path / "job" / "outputs"),
        "/mnt/code": str(project),
        "/mnt/artifacts": str(project / "results"),
        "/mnt/data": str(tmp_path / "job" / "root" / "mnt" / "data"),
        "/domino/datasets": str(tmp_path / "job" / "root" / "domino" / "datasets"),
    }
    assert plan.tops == ("/mnt", "/workflow", "/domino")
    assert local_mounts.variables(plan)["DOMINO_FLOWS_INPUTS_DIR"] == "/workflow/inputs"
    assert local_mounts.variables(plan)["DOMINO_IS_GIT_BASED"] == "true"


def test_dfs_layout_puts_the_project_at_mnt(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", 'project_layout = "dfs"')
    settings = load_settings(project).filesystem
    plan = local_mounts.plan_for(project, settings, staged_root(tmp_path / "job"))
    targets = [target for _, target in plan.binds]
    assert plan.workdir == "/mnt" and (str(project), "/mnt") in plan.binds
    # in a DFS project /mnt is the project: data only where newer deployments put it
    assert "/mnt/data" not in targets and "/domino/datasets" in targets
    assert local_mounts.variables(plan)["DOMINO_IS_GIT_BASED"] == "false"


def test_default_artifacts_folder_is_created_in_the_state_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_mounts, "namespace_problem", lambda: None)
    monkeypatch.setattr(local_mounts, "_mount_point_problem", lambda plan: None)
    monkeypatch.setattr(local_mounts.os.path, "isdir", lambda path: path != "/mnt/artifacts")
    plan = local_mounts.plan_for(tmp_path, FilesystemSettings(), tmp_path / "job")
    assert (str(tmp_path / ".domino-flows" / "artifacts"), "/mnt/artifacts") in plan.binds
    assert not (tmp_path / ".domino-flows").exists()  # planning writes nothing
    assert local_mounts.decide(tmp_path, FilesystemSettings(), tmp_path / "job").plan is not None
    assert (tmp_path / ".domino-flows" / "artifacts").is_dir()


def test_the_hosts_own_folders_stay_visible_unless_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = tmp_path / "host"
    for folder in ("data/other", "data/sales", "imported", "code", "artifacts"):
        (host / folder).mkdir(parents=True)
    (host / "note.txt").write_text("a file, not passed through")
    targets = [f"{host}/code", f"{host}/data/sales"]
    kept = local_mounts._passed_through(str(host), targets)
    # /mnt/data holds a dataset of ours: it is replaced; the others pass through
    assert kept == [
        (f"{host}/artifacts", f"{host}/artifacts"),
        (f"{host}/imported", f"{host}/imported"),
    ]
    assert local_mounts._passed_through(str(tmp_path / "absent"), []) == []


def test_a_missing_artifacts_folder_is_named(tmp_path: Path) -> None:
    settings = FilesystemSettings(artifacts=tmp_path / "nope")
    with pytest.raises(ConfigurationError, match=r"folder .*nope \(shown to jobs at /mnt/art"):
        local_mounts.plan_for(tmp_path, settings, tmp_path / "job")


def test_plain_is_never_mounted(tmp_path: Path) -> None:
    decision = local_mounts.decide(tmp_path, FilesystemSettings(mode="plain"), tmp_path / "j")
    assert decision.plan is None and 'filesystem = "plain"' in decision.reason


def test_unavailable_namespaces_fall_back_unless_domino_is_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_mounts, "namespace_problem", lambda: "no namespaces here")
    decision = local_mounts.decide(tmp_path, FilesystemSettings(), tmp_path / "j")
    assert decision.plan is None and decision.reason == "no namespaces here"
    # folders that only the domino filesystem would show are not checked on the plain one
    missing = FilesystemSettings(artifacts=tmp_path / "nope")
    assert local_mounts.decide(tmp_path, missing, tmp_path / "j").plan is None
    with pytest.raises(ConfigurationError) as error:
        local_mounts.decide(tmp_path, FilesystemSettings(mode="domino"), tmp_path / "j")
    assert "no namespaces here" in str(error.value)
    assert 'set filesystem = "plain"' in str(error.value)


def test_a_project_under_mnt_would_be_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_mounts, "namespace_problem", lambda: None)
    decision = local_mounts.decide(Path("/mnt/elsewhere"), FilesystemSettings(), Path("/tmp/j"))
    assert decision.plan is None and "is under /mnt" in decision.reason
    assert local_mounts._hidden_problem(Path("/mnt/code"), "/mnt/code") is None


def test_unprivileged_users_are_told_to_create_missing_mount_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_mounts, "_as_root", lambda: False)
    plan = local_mounts.plan_for(tmp_path, FilesystemSettings(), tmp_path / "job")
    plan = local_mounts.MountPlan(
        plan.staging, plan.binds, (str(tmp_path / "absent"),), plan.workdir, "git", True
    )
    problem = local_mounts._mount_point_problem(plan)
    assert problem is not None and f"sudo mkdir -p {tmp_path / 'absent'}" in problem
    assert not (tmp_path / "absent").exists()


@pytest.mark.parametrize(
    ("line", "path"),
    [
        (
            "python: can't open file '/mnt/code/scripts/x.py': [Errno 2] No such file or directory",
            "/mnt/code/scripts/x.py",
        ),
        (
            "FileNotFoundError: [Errno 2] No such file or directory: '/workflow/inputs/rows'",
            "/workflow/inputs/rows",
        ),
        ("cat: /workflow/outputs/x: No such file or directory", "/workflow/outputs/x"),
        ("ValueError: /workflow/inputs/rows is not a number", None),
        ("FileNotFoundError: [Errno 2] No such file or directory: 'data/x.csv'", None),
    ],
)
def test_missing_domino_paths_are_found_in_logs(line: str, path: str | None) -> None:
    assert local_mounts.missing_domino_path(f"Traceback\n{line}\n") == path


# --- real jobs ---------------------------------------------------------------------------------


@needs_namespaces
@pytest.mark.parametrize("layout", ["git", "dfs"])
def test_official_style_script_runs_unchanged(tmp_path: Path, layout: str) -> None:
    project = write_project(tmp_path / "p", f'project_layout = "{layout}"')
    if layout == "dfs":
        (project / "scripts" / "prep.py").write_text(
            OFFICIAL_SCRIPT.replace("/mnt/artifacts/", "/mnt/").replace("/mnt/code/", "/mnt/")
        )
    before = mounts_of_this_process()
    backend = LocalBackend(project, load_settings(project))
    command = "python /mnt/scripts/prep.py" if layout == "dfs" else ""
    handle, status = run(backend, job(command=command), 4)
    assert status.state is JobState.SUCCEEDED, backend.logs(handle)
    assert backend.collect_outputs(handle, job()) == {"total": 7}
    workdir = "/mnt" if layout == "dfs" else "/mnt/code"
    assert f"cwd {workdir} code True" in backend.logs(handle)
    seen = project / ("seen.txt" if layout == "dfs" else "results/seen.txt")
    assert seen.read_text() == "4\n"  # /mnt/artifacts (or DFS /mnt) is the configured folder
    assert mounts_of_this_process() == before  # nothing leaked into this process's view


DATA_SCRIPT = """\
with open("/mnt/data/sales/numbers.txt") as f:  # a dataset snapshot, where older Domino puts it
    total = sum(int(line) for line in f)
with open("/mnt/data/custom/rows.txt") as f:  # an input given a custom path
    total += int(f.read())
import os
os.makedirs("/mnt/data/results", exist_ok=True)
with open("/mnt/data/results/total", "w") as f:  # an output collected from a custom path
    f.write(str(total))
"""


@needs_namespaces
def test_data_and_custom_paths_are_at_their_domino_paths(tmp_path: Path) -> None:
    from domino_flows.authoring.config import DatasetSnapshot

    project = write_project(tmp_path / "p")
    (project / "scripts" / "data.py").write_text(DATA_SCRIPT)
    backend = LocalBackend(project, load_settings(project))
    config = DominoJobConfig(
        Command="python scripts/data.py", DatasetSnapshots=[DatasetSnapshot(Name="sales")]
    )
    spec = JobSpec(
        run_id="run-1",
        flow="demo",
        task="data",
        config=config,
        input_types={"rows": int},
        output_types={"total": int},
        input_paths={"rows": "/mnt/data/custom/rows.txt"},
        output_paths={"total": "/mnt/data/results/total"},
    )
    handle = backend.start(spec, backend.stage_inputs(spec, {"rows": 10}))
    assert backend.wait(handle, 60).state is JobState.SUCCEEDED, backend.logs(handle)
    assert backend.collect_outputs(handle, spec) == {"total": 13}


@needs_namespaces
def test_concurrent_jobs_each_see_their_own_workflow(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p")
    backend = LocalBackend(project, load_settings(project))
    slow = "sleep 0.5; python /mnt/code/scripts/prep.py"
    specs = [job(task=f"prep{n}", command=slow) for n in range(3)]
    handles = [
        backend.start(s, backend.stage_inputs(s, {"rows": 10 * n})) for n, s in enumerate(specs)
    ]
    for n, (spec, handle) in enumerate(zip(specs, handles, strict=True)):
        assert backend.wait(handle, 60).state is JobState.SUCCEEDED, backend.logs(handle)
        assert backend.collect_outputs(handle, spec) == {"total": 10 * n + 3}


@needs_namespaces
def test_warm_jobs_get_the_namespace_too(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p")
    (project / "flow.py").write_text(
        textwrap.dedent(
            """\
            import os
            from domino_flows import domino_task

            @domino_task
            def where(rows: int) -> str:
                with open("/workflow/inputs/rows") as f:
                    assert int(f.read()) == rows
                return f"{os.getcwd()} {os.path.isfile('/mnt/code/scripts/prep.py')}"
            """
        )
    )
    backend = LocalBackend(project, load_settings(project))
    spec = JobSpec(
        run_id="run-1",
        flow="demo",
        task="where",
        config=DominoJobConfig(Command="python -m domino_flows.entrypoint flow.py:where"),
        input_types={"rows": int},
        output_types={"o0": str},
    )
    handle = backend.start(spec, backend.stage_inputs(spec, {"rows": 2}))
    assert backend.wait(handle, 60).state is JobState.SUCCEEDED, backend.logs(handle)
    assert backend._warm is not None, "the job should have been forked by the warm launcher"
    assert backend.collect_outputs(handle, spec) == {"o0": "/mnt/code True"}
    backend._warm.close()


def test_plain_filesystem_job_fails_with_the_cause_and_both_fixes(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", 'filesystem = "plain"')
    backend = LocalBackend(project, load_settings(project))
    _, status = run(backend, job(), 4)
    assert status.state is JobState.FAILED
    message = status.message
    assert "\n" not in message
    assert message.startswith("task 'prep' failed: it uses /mnt/code/scripts/prep.py")
    assert 'because the project sets filesystem = "plain"' in message
    assert 'filesystem = "domino"' in message and "domino_flows.job.read_input" in message


def test_other_failures_keep_their_message(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", 'filesystem = "plain"')
    backend = LocalBackend(project, load_settings(project))
    _, status = run(backend, job(command="echo 'no /workflow here' >&2; exit 3"), 1)
    assert status.message == "task 'prep' failed: its command exited with code 3"


def test_asking_for_domino_where_it_cannot_be_built_is_a_job_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_mounts, "namespace_problem", lambda: "no namespaces here")
    project = write_project(tmp_path / "p", 'filesystem = "domino"')
    backend = LocalBackend(project, load_settings(project))
    _, status = run(backend, job(), 1)
    assert status.state is JobState.ERROR
    assert "no namespaces here" in status.message and "could not start" in status.message


# --- unprivileged ------------------------------------------------------------------------------


NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def _nobody_can_run_the_kit() -> str | None:
    """Why the unprivileged test cannot run here (it switches to uid 65534 with setpriv)."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return "needs root and setpriv to run a part of the test as an unprivileged user"
    if not os.access("/usr/bin/python3", os.X_OK):
        return "needs /usr/bin/python3 for the unprivileged user"
    probe = subprocess.run(
        [
            *NOBODY,
            "/usr/bin/python3",
            "-c",
            f"import sys; sys.path.insert(0, {str(REPO)!r}); import domino_flows.core.project",
        ],
        capture_output=True,
    )
    if probe.returncode != 0:
        return "the unprivileged user cannot read this checkout"
    done = subprocess.run(
        [*NOBODY, "unshare", "-m", "--map-root-user", "true"], capture_output=True
    )
    return None if done.returncode == 0 else "unprivileged user namespaces are disabled here"


UNPRIVILEGED_SCRIPT = """
import os, subprocess, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from domino_flows.backends import local_mounts
from domino_flows.core.project import FilesystemSettings

project, job = Path(sys.argv[2]), Path(sys.argv[3])
assert local_mounts.namespace_problem() is None, local_mounts.namespace_problem()
plan = local_mounts.decide(project, FilesystemSettings(), job).plan
(job / "inputs" / "rows").write_text("5")
cold = subprocess.run(local_mounts.wrap(plan, ["cat", "/workflow/inputs/rows"]),
                      capture_output=True, text=True)
assert cold.stdout == "5", cold.stderr
pid = os.fork()
if pid == 0:
    local_mounts.enter(plan.as_request())
    ok = open("/workflow/inputs/rows").read() == "5" and os.getcwd() == "/mnt/code"
    os._exit(0 if ok else 3)
assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
print("unprivileged ok")
"""


@needs_namespaces
def test_unprivileged_users_get_the_namespace_cold_and_warm() -> None:
    reason = _nobody_can_run_the_kit()
    if reason:
        pytest.skip(reason)
    os.makedirs("/workflow", exist_ok=True)  # as the kit does as root; a user is told to
    # pytest's own temporary folders are private to root: this one must be the user's.
    base = Path(tempfile.mkdtemp(prefix="domino-flows-unprivileged-"))
    try:
        for folder in (base / "p", base / "job" / "inputs"):
            folder.mkdir(parents=True)
        for path in (base, base / "p", base / "job", base / "job" / "inputs"):
            os.chown(path, 65534, 65534)
        done = subprocess.run(
            [
                *NOBODY,
                "/usr/bin/python3",
                "-c",
                UNPRIVILEGED_SCRIPT,
                str(REPO),
                str(base / "p"),
                str(base / "job"),
            ],
            capture_output=True,
            text=True,
            env={"PATH": os.environ["PATH"], "HOME": str(base)},
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    assert "unprivileged ok" in done.stdout


def test_a_namespace_that_could_not_be_built_is_said_in_one_line(tmp_path: Path) -> None:
    local_mounts.record(tmp_path, local_mounts.Decision(plan=object(), reason=""))  # type: ignore[arg-type]
    (tmp_path / "stderr.log").write_text(
        "mount: /x: permission denied.\n"
        f"{local_mounts.SETUP_PREFIX} /data/sales at /mnt/data/sales\n"
    )
    message = local_mounts.explain_failure("prep", tmp_path)
    assert message == (
        "task 'prep' failed before its command ran: could not build the job's Domino "
        'filesystem: /data/sales at /mnt/data/sales. Set filesystem = "plain" in '
        "[tool.domino_flows] to run jobs without it."
    )
    (tmp_path / "stderr.log").write_text("Traceback: ValueError\n")
    assert local_mounts.explain_failure("prep", tmp_path) is None
