"""The run summary: failures with their job, error, _ERROR text and log tail, each said once."""

from domino_flows.runner.engine import RunResult
from domino_flows.runner.progress import NodeView, summary


def failed_view(error: str, log_tail: str) -> NodeView:
    return NodeView(
        path="n0",
        task="flow.train",
        kind="job",
        state="failed",
        attempts=1,
        jobs_started=1,
        job_id="job-7",
        error=error,
        log_tail=log_tail,
        error_file="ValueError: bad rows",
        log_path="/tmp/job-7/stdout.log",
    )


def test_a_failure_names_its_job_error_and_log_tail():
    view = failed_view("task 'flow.train' failed: exit code 1", "loading\nTraceback\nValueError\n")
    text = summary(RunResult("r1", False, {}, [view], "flow.train: failed"), "local")
    assert "run r1 FAILED: 1 job tasks, 1 jobs started, 0 served from cache" in text
    assert "task 'flow.train' (n0) failed in job job-7" in text
    assert "  _ERROR: ValueError: bad rows" in text
    assert "  last lines of its log:\n    loading\n    Traceback\n    ValueError" in text
    assert "full log: /tmp/job-7/stdout.log" in text


def test_a_log_tail_already_in_the_error_is_not_repeated():
    tail = "step 1\nstep 2 failed\n"
    view = failed_view(f"job ended Failed; last lines of its log:\n{tail}", tail)
    text = summary(RunResult("r1", False, {}, [view], ""), "domino")
    assert text.count("step 2 failed") == 1
    assert "  last lines of its log:" not in text


def test_in_a_pipe_a_task_gets_a_start_line_an_end_line_and_a_line_per_interval():
    import io

    from domino_flows.runner.progress import PlainReporter

    stream = io.StringIO()
    reporter = PlainReporter(stream, interval=60)
    view = NodeView(path="n0", task="flow.train", kind="job")
    reporter.update(view)  # pending: nothing
    for state in ("starting", "running", "running"):
        view.state = state
        reporter.update(view)
    view.started, view.log_path = 100.0, "/jobs/n0/stdout.log"
    reporter.tick(now=10**9)  # far past the interval: one "still running" line
    reporter.tick(now=10**9 + 1)  # not another interval yet
    view.state, view.attempts = "retrying", 1
    reporter.update(view)
    view.state, view.attempts = "running", 2
    reporter.update(view)
    view.state, view.duration = "succeeded", 3.0
    reporter.update(view)
    reporter.update(view)
    lines = stream.getvalue().splitlines()
    assert [line.split()[0] for line in lines] == [
        "starting",
        "running",
        "retrying",
        "running",
        "succeeded",
    ]
    assert "still running for " in lines[1] and lines[1].endswith("log /jobs/n0/stdout.log")


def test_a_big_run_summary_counts_what_succeeded_and_lists_the_rest():
    views = [
        NodeView(path=f"n{i}", task="flow.part", kind="job", state="succeeded", attempts=1)
        for i in range(499)
    ]
    views.append(failed_view("task 'flow.train' failed: exit code 1", ""))
    text = summary(RunResult("r1", False, {}, views, ""), "local")
    assert "  500 nodes: 1 failed, 499 succeeded" in text
    assert len(text.splitlines()) < 12


def test_unnamed_outputs_are_explained():
    result = RunResult("r1", True, {}, [], "", {"o0": 1})
    assert (
        "note: o0: flytekit names a workflow's unnamed return values o0, o1, ...; return a "
        "NamedTuple to name them." in summary(result, "local")
    )


def test_the_live_table_keeps_running_tasks_on_screen():
    from domino_flows.runner.progress import table_rows

    finished = [NodeView(path=f"d{i}", task="t", kind="job", state="succeeded") for i in range(30)]
    running = [NodeView(path=f"r{i}", task="t", kind="job", state="running") for i in range(3)]
    waiting = [NodeView(path=f"w{i}", task="t", kind="job") for i in range(10)]
    rows, caption = table_rows(finished + running + waiting, height=16)
    assert [v.path for v in rows] == ["r0", "r1", "r2"] + [f"w{i}" for i in range(7)]
    assert caption == "not shown: 30 finished, 3 waiting"
    rows, caption = table_rows(finished[:2] + running, height=40)
    assert [v.path for v in rows] == ["r0", "r1", "r2", "d0", "d1"] and caption == ""
    rows, caption = table_rows(finished + running, height=14)  # 8 rows: 3 running, 5 finished
    assert [v.path for v in rows] == ["r0", "r1", "r2", "d25", "d26", "d27", "d28", "d29"]
    assert caption == "not shown: 25 finished"
    rows, caption = table_rows(running * 4, height=8)
    assert len(rows) == 2 and caption == "not shown: 10 more running or failed"


def test_the_live_table_keeps_task_names_readable_at_80_columns() -> None:
    import io

    from rich.console import Console

    from domino_flows.runner.progress import LiveReporter, NodeView

    reporter = LiveReporter()
    reporter.console = Console(file=io.StringIO(), width=80, height=40)
    reporter._title = "run r: flows.churn_pipeline.training_flow (local)"
    names = [
        "flows.churn_pipeline.prepare_customer_features",
        "flows.churn_pipeline.train_gradient_boosted_model@n1",
    ]
    for index, name in enumerate(names):
        view = NodeView(f"n{index}", name, "job")
        view.state, view.environment, view.hardware_tier = "running", "GPU Python 3.11", "Large"
        reporter.views[view.path] = view
    reporter.console.print(reporter._table())
    text = reporter.console.file.getvalue()
    assert "prepare_customer_features" in text
    assert "train_gradient_boosted_model@n1" in text
    assert max(len(line) for line in text.splitlines()) <= 80
