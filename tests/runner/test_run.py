"""domino-flows run: concurrency, outputs, caching, failures, retries, timeouts, JSON."""

import datetime as dt

import pytest
from runner_helpers import cli, marks, run_json

from domino_flows.records.store import RunStore


def attempts_of(root, run_id):
    return RunStore.for_project(root).attempts(run_id)


@pytest.mark.slow
def test_independent_tasks_run_at_once_and_feed_the_join(project):
    result, document = run_json("fanin.py", "fanin", "--max-parallel", "3")
    assert result.exit_code == 0, result.output
    assert document["success"] is True
    assert document["outputs"] == {"o0": 60}
    attempts = attempts_of(project, document["run_id"])
    parts = [a for a in attempts if "part" in a.task]
    assert len(parts) == 3
    # the three parts overlapped: each started before the others finished
    latest_start = max(dt.datetime.fromisoformat(a.started_at) for a in parts)
    earliest_end = min(dt.datetime.fromisoformat(a.finished_at) for a in parts)
    assert latest_start < earliest_end
    join = next(a for a in attempts if a.task.endswith(".join"))
    assert dt.datetime.fromisoformat(join.started_at) >= max(
        dt.datetime.fromisoformat(a.finished_at) for a in parts
    )
    tasks = {t["node"]: t for t in document["tasks"]}
    assert tasks["n0"]["hardware_tier"] == "Small"
    assert tasks["n0"]["attempts"] == 1
    assert tasks["n0"]["job_id"]


@pytest.mark.slow
def test_a_second_identical_run_is_served_from_cache_with_no_job(project):
    first, _ = run_json("fanin.py", "fanin", "--input", "pause=0")
    assert first.exit_code == 0
    assert marks(project).count("part1") == 1
    second, document = run_json("fanin.py", "fanin", "--input", "pause=0")
    assert second.exit_code == 0
    parts = [t for t in document["tasks"] if "part" in t["task"]]
    assert [t["cached"] for t in parts] == [True, True, True]
    # the join is not cached: it alone ran again
    started = [a.task for a in attempts_of(project, document["run_id"])]
    assert all("part" not in task for task in started)
    assert marks(project).count("part1") == 1
    assert document["outputs"] == {"o0": 60}


@pytest.mark.slow
def test_no_cache_and_cache_clear_and_version_bump_run_again(project):
    assert run_json("fanin.py", "fanin", "--input", "pause=0")[0].exit_code == 0
    assert run_json("fanin.py", "fanin", "--input", "pause=0", "--no-cache")[0].exit_code == 0
    assert marks(project).count("part1") == 2
    cleared = cli("cache", "clear")
    assert "removed 3 cached results" in cleared.output
    assert run_json("fanin.py", "fanin", "--input", "pause=0")[0].exit_code == 0
    assert marks(project).count("part1") == 3
    flow = project / "fanin.py"
    flow.write_text(flow.read_text().replace('cache_version="1"', 'cache_version="2"'))
    assert run_json("fanin.py", "fanin", "--input", "pause=0")[0].exit_code == 0
    assert marks(project).count("part1") == 4


@pytest.mark.slow
def test_a_failure_stops_its_dependents_and_independent_tasks_finish(project):
    result = cli("run", "fanin.py", "failing")
    assert result.exit_code == 1
    assert "independent" in marks(project)
    assert "after" not in marks(project)
    output = result.output
    assert "run " in output and "FAILED" in output
    assert "task 'fanin.explode' (n0) failed in job" in output
    assert "_ERROR: ValueError: bad x: 1" in output
    assert "about to fail" in output  # the log tail
    assert "skipped" in output


@pytest.mark.slow
def test_fail_fast_stops_everything(project):
    result, document = run_json("fanin.py", "failing", "--fail-fast")
    assert result.exit_code == 1
    states = {t["task"].rsplit(".", 1)[1]: t["state"] for t in document["tasks"]}
    assert states["explode"] == "failed"
    assert states.get("independent") in ("stopped", "failed", "skipped", None)
    assert states.get("after") in ("skipped", None)


@pytest.mark.slow
def test_retries_are_enforced(project):
    counter = project / "counter.txt"
    result, document = run_json("fanin.py", "retrying", "--input", f"counter={counter}")
    assert result.exit_code == 0, result.output
    (task,) = document["tasks"]
    assert task["attempts"] == 2
    assert counter.read_text() == "2"
    assert [a.attempt for a in attempts_of(project, document["run_id"])] == [1, 2]


@pytest.mark.slow
def test_timeouts_stop_the_job(project):
    result, document = run_json("fanin.py", "too_slow")
    assert result.exit_code == 1
    (task,) = document["tasks"]
    assert "timed out after 0:00:03" in task["error"]
    assert f"(its job {task['job_id']} was stopped)" in task["error"]  # seen ending
    assert marks(project) == ["sleepy"]


@pytest.mark.parametrize(
    ("workflow", "expected"),
    [
        (
            "text_flow",
            "task 'bad_values.latin1_text' output 'text' (str): ",
        ),
        (
            "count_flow",
            "task 'bad_values.huge_count' output 'count' (int): 99999999999999999999 is outside "
            "the 64-bit integer range Flyte carries",
        ),
    ],
)
def test_outputs_flyte_cannot_carry_fail_the_task_in_one_line(project, workflow, expected):
    result = cli("run", "bad_values.py", workflow)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert expected in result.output
    if workflow == "text_flow":
        assert "is not UTF-8 text (byte 0xe9 at offset 3); values must be UTF-8 text" in (
            result.output
        )
    assert "Failed" in cli("runs").output


@pytest.mark.parametrize(
    ("workflow", "expected"),
    [
        ("rounded_flow", "task 'bad_values.rounded' output 'o0' (int) got float 3.7"),
        ("numeric_text_flow", "task 'bad_values.numeric_text' output 'o0' (int) got str '42'"),
        ("no_text_flow", "task 'bad_values.no_text' output 'o0' (bool) got str 'no'"),
    ],
)
def test_a_task_returning_another_type_than_declared_fails_in_one_line(project, workflow, expected):
    result, document = run_json("bad_values.py", workflow)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert document["success"] is False
    assert "outputs" not in document or not document["outputs"]
    (task,) = document["tasks"]
    assert expected in task["error"]
    assert "\n" not in task["error"].strip()
    (attempt,) = attempts_of(project, document["run_id"])
    assert attempt.state == "Failed"


@pytest.mark.slow
def test_a_cached_result_whose_files_are_gone_runs_the_task_again(project, caplog):
    import shutil

    first, _ = run_json("cached_model.py", "pipeline")
    assert first.exit_code == 0, first.output
    shutil.rmtree(project / ".domino-flows" / "data")  # a cleaned-up data folder
    second, document = run_json("cached_model.py", "pipeline")
    assert second.exit_code == 0, second.output
    assert "Traceback" not in second.output
    assert "cached_model.train': its cached result from run" in caplog.text
    assert "no longer exists); running the task again" in caplog.text
    assert marks(project).count("train") == 2
    assert document["outputs"] == {"o0": "rows=3"}
    third, document = run_json("cached_model.py", "pipeline")  # the new result is cached again
    assert third.exit_code == 0, third.output
    assert [t["state"] for t in document["tasks"] if t["task"] == "cached_model.train"] == [
        "cached"
    ]
    assert marks(project).count("train") == 2
