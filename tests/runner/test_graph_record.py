"""A run records its graph when it starts, keyed as its jobs are filed: the run page draws every
node (waiting ones too) and finds each node's attempts."""

import pytest
from runner_helpers import run_json

from domino_flows.records.store import RunStore
from domino_flows.runner.graph_record import recorded_graph
from domino_flows.ui.model import run_view


@pytest.mark.slow
def test_a_run_records_its_graph_and_every_attempt_finds_its_node(project):
    result, document = run_json("shapes.py", "squares")
    assert result.exit_code == 0, result.output
    run_id = document["run_id"]
    store = RunStore.for_project(project)
    graph = recorded_graph(store, run_id)
    assert [(n.path, n.kind) for n in graph] == [("n0", "fan_out")]
    view = run_view(store, run_id)
    (node,) = view.nodes
    assert node.state == "Succeeded"
    assert sorted(a.task.rpartition("@")[2] for a in node.attempts) == ["n0[0]", "n0[1]", "n0[2]"]


@pytest.mark.slow
def test_subworkflows_and_conditionals_are_drawn_with_their_states(project):
    result, document = run_json("shapes.py", "shapes", "--input", "x=1")
    assert result.exit_code == 0, result.output
    store = RunStore.for_project(project)
    view = run_view(store, document["run_id"])
    attempts = {a["task"] for a in view.document["attempts"]}
    drawn = {a.task for node in view.nodes for a in node.attempts}
    assert drawn == attempts  # no attempt is left out of the graph
    states = {node.path: node.state for node in view.nodes}
    assert set(states.values()) <= {"Succeeded"}, states
    assert all(u in states for node in view.nodes for u in node.upstream)
