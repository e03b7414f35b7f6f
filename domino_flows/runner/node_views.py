"""How a job node's view (what progress lines and the summary show) follows its attempts."""

from __future__ import annotations

import time

from domino_flows.runner.jobs import AttemptEvent, JobOutcome
from domino_flows.runner.progress import NodeView


def record_event(view: NodeView, event: AttemptEvent) -> None:
    """One state change of one of the node's attempts."""
    view.state = event.state
    view.attempts = event.attempt
    view.job_id = event.job_id or view.job_id
    view.log_path = event.log_path or view.log_path
    view.url = event.url or view.url
    if event.environment:
        view.environment = event.environment
    if event.hardware_tier:
        view.hardware_tier = event.hardware_tier
    if event.message:
        view.error = event.message


def record_outcome(view: NodeView, outcome: JobOutcome) -> None:
    """The node's attempts are over: how many, its last job, and why it failed if it did."""
    view.attempts = outcome.attempts
    view.jobs_started = outcome.jobs_started
    view.job_id = outcome.job_id
    view.log_path = outcome.log_path or view.log_path
    view.artifacts = outcome.artifacts
    view.duration = time.monotonic() - (view.started or time.monotonic())
    if not outcome.succeeded:
        view.error, view.log_tail, view.error_file = (
            outcome.error,
            outcome.log_tail,
            outcome.error_file,
        )
