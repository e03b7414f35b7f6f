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
