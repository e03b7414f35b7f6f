"""Short task names: unit cases of the matching, then the commands that take a task."""

import json
import os
from pathlib import Path

import pytest
from runner_helpers import cli, run_json

from domino_flows.runner.task_names import TaskNameError, resolve_task

KEYS = ["flows.pipeline.train", "flows.pipeline.prep@n0", "flows.pipeline.prep@n1", "other.test"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("flows.pipeline.train", "flows.pipeline.train"),
        ("train", "flows.pipeline.train"),
        ("pipeline.train", "flows.pipeline.train"),
        ("prep", "flows.pipeline.prep"),
        ("prep@n1", "flows.pipeline.prep@n1"),
        ("flows.pipeline.prep@n0", "flows.pipeline.prep@n0"),
    ],
)
def test_unique_tails_resolve_to_the_full_name(given, expected):
    assert resolve_task(given, KEYS, "run R") == expected


def test_an_ambiguous_name_lists_the_candidates():
    with pytest.raises(TaskNameError) as raised:
        resolve_task("train", ["a.train", "b.train", "c.fit"], "run R")
    assert str(raised.value) == (
        "task 'train' is ambiguous in run R: it could be a.train, b.train; give more of the name."
    )


def test_a_partial_word_is_not_a_match_and_the_error_suggests():
    with pytest.raises(TaskNameError) as raised:
        resolve_task("rain", KEYS, "run R")  # tails are whole dotted parts
    message = str(raised.value)
    assert message.startswith("run R has no task 'rain'; its tasks: flows.pipeline.prep, ")
    assert "Did you mean 'flows.pipeline.train'?" in message


def test_an_unknown_node_lists_the_task_nodes():
    with pytest.raises(TaskNameError, match=r"has no node 'n7' in run R; its nodes: "):
        resolve_task("prep@n7", KEYS, "run R")


def test_nothing_to_match():
    with pytest.raises(TaskNameError, match="run R has no task 'x': it has no tasks at all"):
        resolve_task("x", [], "run R")


@pytest.mark.slow
def test_logs_show_and_cache_clear_take_short_names(finished_run):
    assert cli("logs", finished_run, "join").exit_code == 0
    assert cli("logs", finished_run, "part@n1").exit_code == 0
    show = cli("show", finished_run, "part")
    assert show.exit_code == 0, show.output
    attempts = [line for line in show.output.splitlines() if line.startswith("  Succeeded ")]
    # the three parts run at once: listed in the order they started, which varies
    assert sorted(line.split()[1] for line in attempts) == [
        "fanin.part@n0",
        "fanin.part@n1",
        "fanin.part@n2",
    ]
    assert "fanin.join" not in show.output
    document = json.loads(cli("show", finished_run, "fanin.join", "--json").output)
    assert [a["task"] for a in document["attempts"]] == ["fanin.join"]
    cleared = cli("cache", "clear", "--task", "part")
    assert cleared.exit_code == 0
    assert cleared.output.startswith("removed 3 cached results of task 'fanin.part' of ")


@pytest.mark.slow
def test_logs_of_a_task_that_ran_as_several_nodes_names_them(finished_run):
    result = cli("logs", finished_run, "part")
    assert result.exit_code == 2
    assert result.output.startswith(
        "error: task 'fanin.part' ran as 3 nodes of run "
        f"{finished_run}: fanin.part@n0, fanin.part@n1, fanin.part@n2. "
        f"Name one: domino-flows logs {finished_run} fanin.part@n0"
    )


@pytest.mark.slow
def test_unknown_short_names_are_errors(finished_run):
    for command in (
        ["logs", finished_run, "nope"],
        ["show", finished_run, "nope"],
        ["cache", "clear", "--task", "nope"],
    ):
        result = cli(*command)
        assert result.exit_code == 2, command
        assert "has no task 'nope'; its tasks: fanin.join, fanin.part" in result.output


def test_a_task_given_as_the_workflow_is_one_line(project):
    for command in (["run", "fanin.py", "explode", "-i", "x=1"], ["graph", "fanin.py", "part"]):
        result = cli(*command)
        assert result.exit_code == 2
        assert result.output.strip().splitlines() == [
            f"error: 'fanin.{command[2]}' is a task, not a workflow: give the name of a "
            "@workflow (or launch plan) that calls it; this file's workflows: chain, failing, "
            "fanin, retrying, too_slow."
        ]


def test_cache_clear_clears_flytekit_local_cache_too(project, tmp_path):
    from diskcache import Cache

    from domino_flows.runner.caches import flytekit_cache_path

    path = flytekit_cache_path()
    assert path == Path(os.environ["HOME"]) / ".flyte" / "local-cache"  # the test's own home
    with Cache(str(path)) as cache:
        cache["fanin.part-1-abc-0f0f"] = b"cached by python flow.py"
        cache["fanin.part-1-abc-1e1e"] = b"another input"
        cache["elsewhere.other-2-ff"] = b"another project's task"
    result, _ = run_json("fanin.py", "fanin", "--input", "pause=0")
    assert result.exit_code == 0
    cleared = cli("cache", "clear", "--task", "part")
    assert cleared.output.startswith("removed 3 cached results of task 'fanin.part' of ")
    assert "and 2 cached results of python flow.py / pyflyte run (flytekit's local cache" in (
        cleared.output
    )
    with Cache(str(path)) as cache:
        assert list(cache.iterkeys()) == ["elsewhere.other-2-ff"]
    everything = cli("cache", "clear")
    assert "removed 0 cached results of domino-flows run" in everything.output
    assert "and 1 cached result of python flow.py" in everything.output


def test_cache_clear_without_flytekit_cache_creates_nothing(project, tmp_path):
    assert "removed 0 cached results" in cli("cache", "clear").output
    assert not (tmp_path / "home").exists()
