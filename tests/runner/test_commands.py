"""runs, show, logs, lineage, graph and cache: each with its error cases."""

import json
import subprocess
import sys

import pytest
from runner_helpers import cli, env_with, marks, run_json


@pytest.fixture
def own_finished_run(project):
    """A finished run in the test's own project, for tests that change the store."""
    result, document = run_json("fanin.py", "fanin", "--input", "pause=0")
    assert result.exit_code == 0, result.output
    return document["run_id"]


@pytest.mark.slow
def test_runs_show_logs_lineage(finished_run):
    runs = cli("runs")
    assert finished_run in runs.output and "Succeeded" in runs.output
    listed = json.loads(cli("runs", "--json").output)
    assert listed[-1]["run_id"] == finished_run

    show = cli("show", finished_run)
    assert show.exit_code == 0
    assert f"run {finished_run}: fanin.fanin - Succeeded (local backend)" in show.output
    assert "fanin.join  attempt 1" in show.output
    assert "[default/Small]" in show.output
    document = json.loads(cli("show", finished_run, "--json").output)
    assert document["flow_hash"] and len(document["attempts"]) == 4

    logs = cli("logs", finished_run, "fanin.join")
    assert logs.exit_code == 0

    lineage = cli("lineage", finished_run)
    assert lineage.exit_code == 0
    assert "upstream:   fanin.part" in lineage.output
    assert "downstream: fanin.join" in lineage.output
    events = [
        json.loads(line) for line in cli("lineage", finished_run, "--json").output.splitlines()
    ]
    assert {e["eventType"] for e in events} >= {"START", "COMPLETE"}


def test_unknown_runs_and_tasks_are_errors(finished_run):
    for command in (["show", "nope"], ["logs", "nope", "x"], ["lineage", "nope"]):
        result = cli(*command)
        assert result.exit_code == 2
        assert "no run 'nope'" in result.output
        assert finished_run in result.output  # recent runs are listed
    result = cli("logs", finished_run, "fanin.missing")
    assert result.exit_code == 2
    assert "has no task 'fanin.missing'; its tasks: fanin.join" in result.output


def test_runs_when_there_are_none(project):
    assert "no runs yet" in cli("runs").output


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("text", "n3: fanin.join [project default / Small]  (after n0, n1, n2)"),
        ("mermaid", "    n0 --> n3"),
        ("dot", '    n0 [label="fanin.part [project default / Small]"];'),
    ],
)
def test_graph_formats(project, fmt, expected):
    result = cli("graph", "fanin.py", "fanin", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert expected in result.output


def test_graph_shows_branches_subworkflows_and_native_tasks(project):
    result = cli("graph", "shapes.py", "shapes")
    assert "conditional pick -> shapes.negate, shapes.inner" in result.output
    assert "[plain @task: not run by Domino Flows]" in result.output
    assert "[Python 3.11 / Small]" in result.output


def test_graph_of_an_unknown_workflow(project):
    result = cli("graph", "fanin.py", "nope")
    assert result.exit_code == 2
    assert "has no workflow, launch plan or task named 'nope'" in result.output


def test_cache_clear_when_empty(project):
    assert "removed 0 cached results" in cli("cache", "clear").output


def test_lineage_json_is_one_openlineage_event_object_per_line(finished_run):
    lines = cli("lineage", finished_run, "--json").output.splitlines()
    assert len(lines) >= 8  # the run's and each of four tasks' START and COMPLETE
    for line in lines:
        event = json.loads(line)
        assert isinstance(event, dict)  # an object, not a JSON string holding one
        assert {"eventType", "eventTime", "run", "job", "producer"} <= set(event)
        assert event["job"]["namespace"] and event["run"]["runId"]
    completes = [json.loads(line) for line in lines if '"COMPLETE"' in line]
    assert any(e["job"]["name"] == "fanin.fanin.fanin.join" for e in completes)


def test_logs_of_an_empty_log_say_so(finished_run):
    result = cli("logs", finished_run, "fanin.join")
    assert result.exit_code == 0
    assert f"task fanin.join's log is empty (job {finished_run}/fanin.join/1, attempt 1, " in (
        result.output
    )


def test_a_damaged_store_is_one_line_for_every_command(project, own_finished_run):
    store = project / ".domino-flows" / "runs.sqlite"
    store.write_bytes(b"\x00garbage" * 512)
    for suffix in ("-wal", "-shm"):
        (project / ".domino-flows" / f"runs.sqlite{suffix}").unlink(missing_ok=True)
    jobs_before = sorted((project / ".domino-flows" / "jobs").rglob("*"))
    commands = [
        ["runs"],
        ["show", own_finished_run],
        ["logs", own_finished_run, "fanin.join"],
        ["lineage", own_finished_run],
        ["cache", "clear"],
        ["run", "fanin.py", "fanin", "--input", "pause=0"],
    ]
    for command in commands:
        result = cli(*command)
        assert result.exit_code == 2, (command, result.output)
        assert "Traceback" not in result.output
        assert result.output.startswith(f"error: the run store {store} is damaged"), command
        assert f"mv {store} {store}.damaged" in result.output
    assert sorted((project / ".domino-flows" / "jobs").rglob("*")) == jobs_before  # none ran


@pytest.mark.slow
def test_show_and_lineage_of_a_run_served_from_the_cache(project):
    first, first_doc = run_json("cached_model.py", "pipeline", "--input", "n=4")
    assert first.exit_code == 0, first.output
    second, second_doc = run_json("cached_model.py", "pipeline", "--input", "n=4")
    assert second.exit_code == 0, second.output
    source, run_id = first_doc["run_id"], second_doc["run_id"]
    assert [m for m in marks(project) if m == "train"] == ["train"]  # served from the cache
    (train,) = [t for t in second_doc["tasks"] if t["task"] == "cached_model.train"]
    assert train["state"] == "cached" and train["artifacts"] == ["Cached model"]

    show = cli("show", run_id)
    assert show.exit_code == 0, show.output
    assert "  inputs: n = 4" in show.output
    assert "  outputs: o0 = 'rows=4'" in show.output
    assert (
        f"  cached    cached_model.train  node n1  result from run {source}  "
        "artifacts: Cached model" in show.output
    )
    assert "artifact Cached model (MODEL) of cached_model.train output o0: " in show.output
    document = json.loads(cli("show", run_id, "--json").output)
    (cached,) = document["cached"]
    assert cached["source_run"] == source and cached["task"] == "cached_model.train"
    assert document["reused"] == []
    (artifact,) = document["artifacts"]
    (source_artifact,) = json.loads(cli("show", source, "--json").output)["artifacts"]
    assert artifact["path"] == source_artifact["path"]  # the same file, not a copy
    assert artifact["sha256"] == source_artifact["sha256"] and artifact["run_id"] == run_id
    assert document["inputs"] == {"n": "4"} and document["outputs"] == {"o0": "'rows=4'"}

    lineage = cli("lineage", run_id).output
    assert "cached_model.prepare/outputs/o0\n  upstream:   cached_model.prepare\n" in lineage
    assert "  downstream: cached_model.train\n" in lineage
    assert "artifacts/Cached model/model.txt\n  upstream:   cached_model.train\n" in lineage
    events = [json.loads(line) for line in cli("lineage", run_id, "--json").output.splitlines()]
    (cached_event,) = [e for e in events if "dominoFlowsCache" in e["run"]["facets"]]
    assert cached_event["eventType"] == "COMPLETE"
    assert cached_event["run"]["facets"]["dominoFlowsCache"]["sourceRunId"] == source
    assert cached_event["inputs"] and cached_event["outputs"]


@pytest.mark.slow
def test_show_lists_tasks_reused_by_resume(project):
    first, document = run_json("fanin.py", "failing")
    assert first.exit_code == 1
    run_id = document["run_id"]
    resumed = cli("resume", run_id, "--json")
    assert resumed.exit_code == 1  # explode fails again; independent is not run again
    assert marks(project).count("independent") == 1
    show = cli("show", run_id)
    lines = show.output.splitlines()
    (line,) = [line for line in lines if line.startswith("  Succeeded fanin.independent")]
    assert line.startswith("  Succeeded fanin.independent  attempt 1") and "kept by resume" in line
    shown = json.loads(cli("show", run_id, "--json").output)
    assert [(r["task"], r["source_run"]) for r in shown["reused"]] == [
        ("fanin.independent", run_id)
    ]
    assert shown["outputs"] == {}  # a failed run has no workflow outputs


READ_ONLY_COMMANDS = [
    ["runs"],
    ["runs", "--json"],
    ["show", "RUN"],
    ["show", "RUN", "--json"],
    ["logs", "RUN", "fanin.join"],
    ["lineage", "RUN"],
    ["lineage", "RUN", "--json"],
    ["cache", "clear", "--task", "part"],
    ["cache", "clear"],
]


@pytest.mark.parametrize("command", READ_ONLY_COMMANDS, ids=" ".join)
def test_read_only_commands_never_import_flytekit(finished_project, finished_run, command):
    args = [finished_run if word == "RUN" else word for word in command]
    probe = (
        "import sys\n"
        "from domino_flows.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit as exit:\n"
        "    code = exit.code\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'flytekit')\n"
        "print('exit', code, 'flytekit modules:', len(loaded), loaded[:3], file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *args],
        cwd=finished_project[0],
        env=env_with(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stderr.strip().endswith("exit 0 flytekit modules: 0 []"), result.stderr


def test_cache_clear_knows_where_flytekit_caches_without_importing_it():
    from flytekit.core.local_cache import CACHE_LOCATION

    from domino_flows.runner.caches import FLYTEKIT_CACHE_LOCATION

    assert FLYTEKIT_CACHE_LOCATION == CACHE_LOCATION


def test_logs_of_an_attempt_whose_job_never_started_say_so(project, monkeypatch):
    from domino_flows.records.store import RunStore

    for name in ("DOMINO_API_HOST", "DOMINO_USER_API_KEY"):  # no deployment is asked anything
        monkeypatch.delenv(name, raising=False)
    store = RunStore.for_project(project)
    store.start_run("run-9", "flow.once", "domino")
    store.start_attempt("run-9", "flow.inc", 1, "", state="Starting")
    store.finish_attempt("run-9", "flow.inc", 1, "Failed", "task 'flow.inc': Domino refused it")
    result = cli("logs", "run-9", "inc")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: task flow.inc attempt 1 of run run-9 has no log: its job never started "
        "(Failed: task 'flow.inc': Domino refused it)."
    )
