"""Gates in a local run: approved by flag or in the terminal, refused in a pipe naming the flag,
and the decision recorded for show."""

import json
from datetime import timedelta

import pytest
from flytekit import approve, sleep, wait_for_input, workflow
from runner_helpers import cli, run_json

from domino_flows import DominoJobConfig, DominoJobTask
from domino_flows.records.store import RunStore
from domino_flows.runner import gates
from domino_flows.runner.gates import GateError, GateOptions


def _gate_entities():
    task = DominoJobTask("t", DominoJobConfig(Command="true"), outputs={"out": int})
    found = {}

    @workflow
    def flow() -> None:
        found["approve"] = approve(task(), "ship", timeout=timedelta(hours=1)).ref.node
        found["input"] = wait_for_input("n", timeout=timedelta(hours=1), expected_type=int).ref.node
        found["sleep"] = sleep(timedelta(minutes=5)).ref.node

    flow.compile()
    return {kind: node.flyte_entity for kind, node in found.items()}


GATES = _gate_entities()


def _ctx():
    from flytekit.core.context_manager import FlyteContextManager

    return FlyteContextManager.current_context()


@pytest.mark.parametrize(
    ("options", "note"),
    [
        (GateOptions(approve_all=True), "approved by --approve-all"),
        (GateOptions(approve=frozenset({"ship"})), "approved by --approve ship"),
        (GateOptions(approve=frozenset({"n3"})), "approved by --approve ship"),
        (GateOptions(confirm=lambda question: "'ship'" in question), "approved in the terminal"),
    ],
)
def test_approval_hands_on_the_value(options, note):
    passed = gates.pass_gate(_ctx(), GATES["approve"], "n3", {"out": "literal"}, options)
    assert passed.outputs == {"out": "literal"}
    assert passed.note == note


def test_refusals_name_the_gate_and_the_flag():
    with pytest.raises(GateError) as in_pipe:
        gates.pass_gate(_ctx(), GATES["approve"], "n3", {}, GateOptions())
    assert str(in_pipe.value) == (
        "gate 'ship' (node n3) needs approval and there is no terminal to ask in: run again "
        "with --approve ship (or --approve-all)."
    )
    with pytest.raises(GateError, match=r"gate 'ship' \(node n3\) was not approved"):
        gates.pass_gate(_ctx(), GATES["approve"], "n3", {}, GateOptions(confirm=lambda q: False))
    with pytest.raises(GateError, match="run again with --gate-input n=VALUE"):
        gates.pass_gate(_ctx(), GATES["input"], "n4", {}, GateOptions())
    with pytest.raises(GateError, match="the value from --gate-input does not parse"):
        gates.pass_gate(_ctx(), GATES["input"], "n4", {}, GateOptions(inputs={"n": "many"}))


def test_an_input_gate_takes_the_flag_or_the_terminal():
    given = gates.pass_gate(_ctx(), GATES["input"], "n4", {}, GateOptions(inputs={"n": "3"}))
    assert given.outputs["o0"].scalar.primitive.integer == 3
    assert given.note == "input 3 from --gate-input"
    asked = gates.pass_gate(_ctx(), GATES["input"], "n4", {}, GateOptions(prompt=lambda q: "5"))
    assert asked.outputs["o0"].scalar.primitive.integer == 5


def test_a_sleep_gate_does_not_wait():
    passed = gates.pass_gate(_ctx(), GATES["sleep"], "n5", {}, GateOptions())
    assert passed == gates.Passed({}, "sleep gate: 0:05:00 not waited in a local run")


@pytest.mark.slow
def test_a_run_passes_gates_by_flag_and_show_records_the_decisions(project):
    refused, document = run_json("gated.py", "gated")  # no terminal under the test runner
    assert refused.exit_code == 1
    assert "run again with --approve publish (or --approve-all)" in refused.output
    assert "publish" not in {t["task"] for t in document["tasks"] if t["state"] == "succeeded"}

    result, document = run_json(
        "gated.py", "gated", "--approve", "publish", "--gate-input", "copies=3"
    )
    assert result.exit_code == 0, result.output
    assert document["outputs"] == {"o0": "model-v1 x3"}
    shown = cli("show", document["run_id"]).output
    assert "gate publish: approved by --approve publish" in shown
    assert "gate copies: input 3 from --gate-input" in shown
    assert "gate sleep-gate: sleep gate: 1 day, 0:00:00 not waited in a local run" in shown
    # the approved value is make's output itself: lineage draws the edge through the gate
    events = RunStore.for_project(project).lineage_events(document["run_id"])
    complete = {
        e["task"]: json.loads(e["event"])
        for e in events
        if e["task"] and e["event_type"] == "COMPLETE"
    }
    (made,) = complete["make"]["outputs"]
    read = {i["name"] for i in complete["publish"]["inputs"]}
    assert made["name"] in read
