"""runs, show, logs, lineage, graph and cache: each with its error cases."""

import json

import pytest
from runner_helpers import cli, run_json


@pytest.fixture
def finished_run(project):
    result, document = run_json("fanin.py", "fanin", "--input", "pause=0")
    assert result.exit_code == 0, result.output
    return document["run_id"]


@pytest.mark.slow
def test_runs_show_logs_lineage(project, finished_run):
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


def test_unknown_runs_and_tasks_are_errors(project, finished_run):
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


def test_lineage_json_is_one_openlineage_event_object_per_line(project, finished_run):
    lines = cli("lineage", finished_run, "--json").output.splitlines()
    assert len(lines) >= 8  # the run's and each of four tasks' START and COMPLETE
    for line in lines:
        event = json.loads(line)
        assert isinstance(event, dict)  # an object, not a JSON string holding one
        assert {"eventType", "eventTime", "run", "job", "producer"} <= set(event)
        assert event["job"]["namespace"] and event["run"]["runId"]
    completes = [json.loads(line) for line in lines if '"COMPLETE"' in line]
    assert any(e["job"]["name"] == "fanin.fanin.fanin.join" for e in completes)


def test_logs_of_an_empty_log_say_so(project, finished_run):
    result = cli("logs", finished_run, "fanin.join")
    assert result.exit_code == 0
    assert f"task fanin.join's log is empty (job {finished_run}/fanin.join/1, attempt 1, " in (
        result.output
    )


def test_a_damaged_store_is_one_line_for_every_command(project, finished_run):
    store = project / ".domino-flows" / "runs.sqlite"
    store.write_bytes(b"\x00garbage" * 512)
    for suffix in ("-wal", "-shm"):
        (project / ".domino-flows" / f"runs.sqlite{suffix}").unlink(missing_ok=True)
    jobs_before = sorted((project / ".domino-flows" / "jobs").rglob("*"))
    commands = [
        ["runs"],
        ["show", finished_run],
        ["logs", finished_run, "fanin.join"],
        ["lineage", finished_run],
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
