"""pyflyte's habits: inputs as --name value, `last`/-1/-2 run ids, `runs` filters with a header and
durations, newest first; `show` lists a resumed task once."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from runner_helpers import cli, marks

from domino_flows.core.errors import DominoFlowsError
from domino_flows.runner.everyday import resolve_run_id, workflow_options
from domino_flows.runner.run_list import RunFilter, duration, parse_age, table


def test_workflow_inputs_as_options() -> None:
    assert workflow_options(["--rows", "300", "--name=x y", "--verbose", "--max-depth", "2"]) == [
        "rows=300",
        "name=x y",
        "verbose=true",
        "max_depth=2",
    ]
    with pytest.raises(DominoFlowsError, match="unexpected argument 'stray'"):
        workflow_options(["stray"])


RUNS = [
    {
        "run_id": "20260101-000000-aaaa",
        "flow": "flows.train",
        "state": "Failed",
        "backend": "local",
        "started_at": "2026-01-01T00:00:00Z",
        "finished_at": "2026-01-01T00:03:12Z",
    },
    {
        "run_id": "20260102-000000-bbbb",
        "flow": "flows.report",
        "state": "Succeeded",
        "backend": "domino",
        "started_at": "2026-01-02T00:00:00Z",
        "finished_at": "2026-01-02T02:05:00Z",
    },
]


def test_last_and_negative_run_ids() -> None:
    assert resolve_run_id("last", RUNS, "store") == "20260102-000000-bbbb"
    assert resolve_run_id("-1", RUNS, "store") == "20260102-000000-bbbb"
    assert resolve_run_id("-2", RUNS, "store") == "20260101-000000-aaaa"
    assert resolve_run_id("20260101-000000-aaaa", RUNS, "store") == "20260101-000000-aaaa"
    with pytest.raises(DominoFlowsError, match="store has 2 runs; -1 \\(or last\\) is the newest"):
        resolve_run_id("-3", RUNS, "store")


def test_runs_filters_newest_first() -> None:
    assert [r["run_id"] for r in RunFilter().apply(RUNS)] == [
        "20260102-000000-bbbb",
        "20260101-000000-aaaa",
    ]
    assert [r["flow"] for r in RunFilter.parse("train", None, None).apply(RUNS)] == ["flows.train"]
    assert [r["state"] for r in RunFilter.parse(None, "succeeded", None).apply(RUNS)] == [
        "Succeeded"
    ]
    assert RunFilter.parse(None, None, "1h").apply(RUNS) == []  # both are older
    assert parse_age("1h30m") == dt.timedelta(minutes=90)
    with pytest.raises(DominoFlowsError, match="--since 'soon'"):
        parse_age("soon")
    with pytest.raises(DominoFlowsError, match="--state 'done': use one of Running, Succeeded"):
        RunFilter.parse(None, "done", None)


def test_runs_table_has_a_header_and_durations() -> None:
    lines = table(RunFilter().apply(RUNS)).splitlines()
    assert lines[0].split() == ["RUN", "STATE", "DURATION", "STARTED", "BACKEND", "FLOW"]
    assert lines[1].split()[:3] == ["20260102-000000-bbbb", "Succeeded", "2h05m"]
    assert lines[2].split()[:3] == ["20260101-000000-aaaa", "Failed", "3m12s"]
    assert max(len(line) for line in lines) <= 80
    running = {**RUNS[0], "finished_at": None}
    assert duration(running, now=dt.datetime(2026, 1, 1, 0, 0, 4, tzinfo=dt.timezone.utc)) == "4s"


@pytest.mark.slow
def test_pyflyte_style_inputs_last_and_a_resumed_task_shown_once(project) -> None:
    failed = cli("run", "fanin.py", "failing", "--x", "1", "--json")  # explode: x > 0 fails
    assert failed.exit_code == 1, failed.output
    run_id = json.loads(failed.stdout)["run_id"]
    (project / "fanin.py").write_text(
        (project / "fanin.py").read_text().replace("if x > 0:", "if x > 99:")
    )
    resumed = cli("resume", "last")
    assert resumed.exit_code == 0, resumed.output
    shown = cli("show", "-1")
    assert shown.exit_code == 0
    lines = [line.split()[1] for line in shown.stdout.splitlines() if line.startswith("  ")]
    task_lines = [name for name in lines if name.startswith("fanin.")]
    assert task_lines.count("fanin.explode") == 2  # two attempts, each listed once
    assert task_lines.count("fanin.after") == 1
    assert task_lines.count("fanin.independent") == 1  # its attempt, not also "reused"
    listed = cli("runs", "--state", "succeeded")
    assert listed.stdout.splitlines()[0].startswith("RUN")
    assert run_id in listed.stdout
    assert marks(project).count("explode") == 2


def test_runs_of_another_project_with_project_option(project, tmp_path, monkeypatch) -> None:
    run = cli("run", "fanin.py", "fanin", "--input", "pause=0", "--json")
    run_id = json.loads(run.stdout)["run_id"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "pyproject.toml").write_text('[project]\nname = "other"\n')
    monkeypatch.chdir(elsewhere)
    here = cli("runs")
    assert "no runs yet in" in here.stdout and "--project DIR" in here.stdout
    # restored after the test: --project sets it for the rest of the process
    monkeypatch.setenv("DOMINO_FLOWS_PROJECT_ROOT", str(elsewhere))
    there = cli("--project", str(project), "runs")
    assert there.exit_code == 0 and run_id in there.stdout
    assert f"runs of {project}" in there.stderr


def test_logs_of_a_whole_run_by_node_id_and_as_json_graph_json_and_prune(project) -> None:
    run = cli("run", "fanin.py", "fanin", "--input", "pause=0", "--json")
    run_id = json.loads(run.stdout)["run_id"]
    every = cli("logs", "last")
    assert every.exit_code == 0, every.output
    assert every.stdout.count("==> fanin.") == 4  # three part nodes and join
    by_node = cli("logs", run_id, "n3", "--json")
    (entry,) = json.loads(by_node.stdout)
    assert entry["task"] == "fanin.join" and entry["state"] == "Succeeded"
    (part,) = json.loads(cli("logs", run_id, "n0", "--json").stdout)
    assert part["task"] == "fanin.part@n0"
    shown = cli("show", run_id, "n3")
    assert "fanin.join  attempt 1" in shown.stdout and "fanin.part" not in shown.stdout
    followed = cli("logs", "-f", run_id, "n3")  # a finished task: its log, then done
    assert followed.exit_code == 0

    graph = json.loads(cli("graph", "fanin.py", "fanin", "--json").stdout)
    assert [n["id"] for n in graph["nodes"]] == ["n0", "n1", "n2", "n3"]
    assert graph["nodes"][3]["hardware_tier"] == "Small"
    assert {"from": "n0", "to": "n3"} in graph["edges"]

    assert cli("runs", "prune").exit_code == 2  # says which option it needs
    assert cli("runs", "prune", "--keep", "0", "--dry-run").stdout.split() == [run_id]
    pruned = cli("runs", "prune", "--keep", "0")
    assert pruned.exit_code == 0 and "removed 1 run from" in pruned.stdout
    assert not (project / ".domino-flows" / "data" / run_id).exists()
    assert not (project / ".domino-flows" / "jobs" / run_id).exists()
    assert "no runs yet" in cli("runs").stdout


def test_prune_never_removes_a_running_run() -> None:
    from domino_flows.runner.prune import choose

    runs = [
        {**RUNS[0], "state": "Running"},
        RUNS[1],
    ]
    chosen = choose(runs, "1d", None, now=dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc))
    assert chosen.removed == ["20260102-000000-bbbb"]
    assert chosen.kept_running == ["20260101-000000-aaaa"]


def test_follow_prints_a_growing_log_until_the_job_ends() -> None:
    from types import SimpleNamespace

    from domino_flows.runner.log_view import follow

    texts = iter(["a\n", "a\nb\n", "a\nb\nc\n"])
    states = iter([True, True, False])

    class Backend:
        def handle_for(self, *args):
            return args

        def logs(self, handle, tail=None):
            return next(texts)

    row = SimpleNamespace(run_id="r", task="t", attempt=1, job_id="j", url="")
    written: list[str] = []
    follow(Backend(), row, lambda: next(states), written.append, sleep=lambda _: None)
    assert "".join(written) == "a\nb\nc\n"


def test_shell_completion_as_documented_completes_commands() -> None:
    import os
    import subprocess
    import sys

    text = (Path(__file__).resolve().parents[2] / "docs" / "running.md").read_text()
    assert 'eval "$(_DOMINO_FLOWS_COMPLETE=bash_source domino-flows)"' in text
    env = dict(
        os.environ,
        COMP_WORDS="domino-flows ru",
        COMP_CWORD="1",
        _DOMINO_FLOWS_COMPLETE="bash_complete",
    )
    result = subprocess.run(
        [sys.executable, "-c", "from domino_flows.cli import main; main(prog_name='domino-flows')"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == ["plain,run", "plain,runs"]


def test_a_misspelt_input_option_says_the_closest_input(project) -> None:
    result = cli("run", "fanin.py", "fanin", "--pase", "0")
    assert result.exit_code == 2
    assert "has no input 'pase'; its inputs are pause. Did you mean 'pause'?" in result.stderr
