"""Lineage edges come from the workflow's bindings, never from values that happen to be equal:
a task's input is named after the output or workflow input it was bound to, in the OpenLineage
events (so Marquez or DataHub draw the same edges) and in ``domino-flows lineage``."""

import json

import pytest
from runner_helpers import cli, run_json

from domino_flows.records.store import RunStore


def complete_events(project, run_id):
    events = RunStore.for_project(project).lineage_events(run_id)
    return {
        e["task"].rsplit(".", 1)[-1]: json.loads(e["event"])
        for e in events
        if e["task"] and e["event_type"] == "COMPLETE"
    }


@pytest.mark.slow
def test_equal_values_in_independent_tasks_make_no_edge(project):
    result, document = run_json("equal_values.py", "independent")
    assert result.exit_code == 0, result.output
    run_id = document["run_id"]
    lineage = cli("lineage", run_id).output
    make_output = lineage.split("equal_values.make/outputs/o0\n", 1)[1].split("\n")[:2]
    assert make_output[1] == "  downstream: none (a final output)"  # other read y, not make's 5
    other_output = lineage.split("equal_values.other/outputs/o0\n", 1)[1].split("\n")[:2]
    assert other_output[1] == "  downstream: none (a final output)"  # never its own reader
    (other_input,) = complete_events(project, run_id)["other"]["inputs"]
    assert other_input["name"] == "equal_values.independent/inputs/y"
    assert other_input["facets"]["dominoFlowsContent"]["bound"] is True


@pytest.mark.slow
def test_an_input_bound_to_an_upstream_output_is_that_dataset(project):
    result, document = run_json("equal_values.py", "chained")
    assert result.exit_code == 0, result.output
    run_id = document["run_id"]
    events = complete_events(project, run_id)
    (produced,) = events["make"]["outputs"]
    (read,) = events["double"]["inputs"]
    assert read["name"] == produced["name"] == "equal_values.make/outputs/o0"
    assert read["namespace"] == produced["namespace"]
    assert "  downstream: equal_values.double" in cli("lineage", run_id).output
