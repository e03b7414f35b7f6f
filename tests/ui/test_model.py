"""What the pages show, read from stores written as runs write them."""

import json

from ui_store import cached_run, job_log, literal_map, pipeline_run, project_store

from domino_flows.runner.lease import lease_path
from domino_flows.runner.state import RunnerState
from domino_flows.ui import layout
from domino_flows.ui.model import NodePanel, run_view, runs_list


def states(view):
    return {node.path: node.state for node in view.nodes}


def test_a_running_run_has_done_running_and_waiting_nodes(root):
    store = pipeline_run(root, "r1", running=True)
    view = run_view(store, "r1")
    assert states(view) == {"n0": "Succeeded", "n1": "Running", "n2": "Waiting"}
    assert view.running and view.graph_recorded
    train = view.node("n1")
    assert [a.job_id for a in train.attempts] == ["r1/pipeline.train/1"]
    assert train.attempts[0].environment == "Python 3.11"


def test_a_finished_run_marks_nodes_that_never_ran(root):
    store = pipeline_run(root, "r1", running=True)
    store.finish_attempt("r1", "pipeline.train", 1, "Failed", "exit code 1")
    store.finish_run("r1", "Failed", "tasks failed: pipeline.train")
    assert states(run_view(store, "r1")) == {"n0": "Succeeded", "n1": "Failed", "n2": "Not run"}


def test_a_cached_node_names_the_run_its_result_came_from(root):
    pipeline_run(root, "r1")
    store = cached_run(root, "r2", source_run="r1")
    node = run_view(store, "r2").node("n0")
    assert node.state == "Cached"
    assert node.origin["how"] == "cache" and node.origin["source_run"] == "r1"


def test_fan_out_items_are_gathered_under_their_node(root):
    from domino_flows.runner.graph_record import GraphNode, save_graph

    store = project_store(root)
    store.start_run("r1", "f", "local")
    save_graph(store, "r1", [GraphNode("n0", "fan_out", "square", ("sq@n0",), ())])
    for item in range(3):
        store.start_attempt("r1", f"sq@n0[{item}]", 1, f"job{item}")
    store.finish_attempt("r1", "sq@n0[0]", 1, "Succeeded")
    node = run_view(store, "r1").node("n0")
    assert node.state == "Running"
    assert sorted(a.task for a in node.attempts) == ["sq@n0[0]", "sq@n0[1]", "sq@n0[2]"]


def test_a_subworkflow_takes_its_state_from_its_nodes(root):
    from domino_flows.runner.graph_record import GraphNode, save_graph

    store = project_store(root)
    store.start_run("r1", "f", "local")
    save_graph(
        store,
        "r1",
        [
            GraphNode("n0", "workflow", "inner", (), ()),
            GraphNode("n0/n0", "job", "a", ("a",), ("n0",)),
        ],
    )
    store.start_attempt("r1", "a", 1, "job")
    assert states(run_view(store, "r1")) == {"n0": "Running", "n0/n0": "Running"}
    store.finish_attempt("r1", "a", 1, "Failed")
    assert states(run_view(store, "r1"))["n0"] == "Failed"


def test_a_run_without_a_recorded_graph_is_drawn_from_its_lineage(root):
    store = project_store(root)
    store.start_run("r1", "f", "local")
    for task in ("flows.prep", "flows.train"):
        store.start_attempt("r1", task, 1, f"job-{task}")
        store.finish_attempt("r1", task, 1, "Succeeded")
    event = {
        "eventType": "COMPLETE",
        "inputs": [{"name": "flows.prep/outputs/o0"}],
        "outputs": [{"name": "flows.train/outputs/o0"}],
    }
    store.add_lineage_event("r1", "COMPLETE", json.dumps(event), task="flows.train", attempt=1)
    prep = {"eventType": "COMPLETE", "outputs": [{"name": "flows.prep/outputs/o0"}]}
    store.add_lineage_event("r1", "COMPLETE", json.dumps(prep), task="flows.prep", attempt=1)
    view = run_view(store, "r1")
    assert not view.graph_recorded
    assert {n.path: n.upstream for n in view.nodes} == {
        "flows.prep": (),
        "flows.train": ("flows.prep",),
    }
    assert states(view) == {"flows.prep": "Succeeded", "flows.train": "Succeeded"}


def test_runs_are_listed_newest_first_and_filtered(root):
    pipeline_run(root, "r1")
    store = pipeline_run(root, "r2", running=True, commit="")
    store.start_run("r3", "other.flow", "domino")
    store.finish_run("r3", "Failed", "boom")
    page = runs_list(store)
    assert [r.run_id for r in page.rows] == ["r3", "r2", "r1"]
    assert page.flows == ["other.flow", "pipeline.training"]
    assert [r.run_id for r in runs_list(store, flow="pipeline.training").rows] == ["r2", "r1"]
    assert [r.run_id for r in runs_list(store, state="Failed").rows] == ["r3"]
    row = runs_list(store, state="Succeeded").rows[0]
    assert (row.commit, row.backend, row.error) == ("abc1234def", "local", "")


def test_a_running_run_whose_runner_is_gone_says_so(root):
    store = pipeline_run(root, "r1", running=True)
    assert runs_list(store).rows[0].note == ""
    path = lease_path(root, "r1")  # a lease file that nobody holds: its runner was killed
    path.parent.mkdir(parents=True)
    path.write_text("12345")
    assert "resume r1" in runs_list(store).rows[0].note
    assert "resume r1" in run_view(store, "r1").run["note"]


def test_every_commit_is_read_at_once(root):
    pipeline_run(root, "r1")
    store = pipeline_run(root, "r2", commit="fff")
    assert RunnerState(store).commits() == {"r1": ("abc1234def5678", False), "r2": ("fff", False)}


def test_layers_follow_the_longest_path_and_survive_a_damaged_record():
    def node(path, *upstream):
        return NodePanel(path, "job", path, "Waiting", tuple(upstream))

    nodes = [node("a"), node("b", "a"), node("c", "a", "b"), node("d", "c", "zz")]
    assert layout.layers(nodes) == {"a": 0, "b": 1, "c": 2, "d": 3}
    assert layout.layers([node("x", "y"), node("y", "x")]) == {"x": 0, "y": 0}
    chain = [node("c0")] + [node(f"c{i}", f"c{i - 1}") for i in range(1, 600)]
    assert layout.layers(chain)["c599"] == 599  # no recursion limit


def test_the_graph_escapes_names_and_marks_each_node_with_its_state():
    nodes = [NodePanel("n0", "job", "<b>evil</b>", "Running", ())]
    drawn = layout.svg(nodes)
    assert "<b>" not in drawn and "&lt;b&gt;evil&lt;/b&gt;" in drawn
    assert 'class="node running" data-node="n0" data-state="running"' in drawn


def test_literal_inputs_and_outputs_are_shown(root):
    store = pipeline_run(root, "r1")
    document = run_view(store, "r1").document
    assert document["inputs"] == {"rows": "200"} and document["outputs"] == {"accuracy": "91"}
    assert literal_map() == b""


def test_job_logs_are_read_from_the_job_folder(root):
    from domino_flows.ui.logs import log_tail

    store = pipeline_run(root, "r1", running=True)
    attempt = next(a for a in store.attempts("r1") if a.task == "pipeline.train")
    assert log_tail(root, "local", attempt).text == "pipeline.train says hello\n"
    job_log(root, attempt.job_id, "")
    assert "wrote nothing yet" in log_tail(root, "local", attempt).note
    domino = log_tail(root, "domino", attempt)
    assert domino.text == "" and "on Domino" in domino.note


def test_runs_come_a_page_at_a_time(root):
    store = project_store(root)
    with store.connect() as db:  # 250 runs in one write
        db.executemany(
            "INSERT INTO runs (run_id, flow, started_at) VALUES (?, 'f', ?)",
            [(f"r{i:03d}", f"2026-01-01T00:00:{i // 60:02d}.{i:06d}Z") for i in range(250)],
        )
    first = runs_list(store)
    assert (len(first.rows), first.rows[0].run_id, first.pages) == (100, "r249", 3)
    last = runs_list(store, page=3)
    assert [r.run_id for r in last.rows][-1] == "r000" and len(last.rows) == 50
    assert runs_list(store, page=99).page == 3  # past the end: the last page
