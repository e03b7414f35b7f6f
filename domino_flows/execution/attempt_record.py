"""What an attempt is, as the run store, lineage and flytekit's resource metadata keep it, and
how its failure reads. Apart from ``attempt.py`` so that the connector, which flytekit imports
with every flow (its plugin), defines its metadata without importing the recording machinery
(OpenLineage's client alone is about 0.3 s)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from domino_flows.backends.base import JobHandle, JobStatus
from domino_flows.core.redaction import redact

LOG_TAIL_LINES = 20


@dataclass
class AttemptRecord:
    """What is known of an attempt, as the run store, lineage and flytekit's resource metadata
    keep it: ids, names, hashes. Never an input value, never a credential."""

    backend: str
    job_id: str
    run_id: str
    task: str
    attempt: int = 1
    flow: str = ""
    url: str = ""
    project_root: str = ""
    details: dict[str, str] = field(default_factory=dict)
    output_paths: dict[str, str] = field(default_factory=dict)
    command: str = ""
    environment: str = ""
    hardware_tier: str = ""
    started_at: str = ""
    environment_id: str = ""
    environment_revision: str = ""
    hardware_tier_id: str = ""
    input_datasets: str = "[]"  # JSON list of lineage.DatasetRef (names, kinds and hashes)
    # every job setting the task gave, as ``custom`` writes them (JSON): the store and lineage
    job_settings: str = "{}"

    @property
    def handle(self) -> JobHandle:
        return JobHandle(self.backend, self.job_id, self.run_id, self.task, self.url, self.details)

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.run_id, self.task, self.attempt)

    def record_fields(self) -> dict[str, Any]:
        return asdict(self)


def failure_message(status: JobStatus, log_tail: str) -> str:
    """The job's own message, then the end of its log: what a user needs to see first."""
    message = status.message or f"the job ended {status.state.value}"
    tail = log_tail.rstrip()
    # some backends (Domino) already end their message with the log's tail: say it once
    if tail and tail.splitlines()[-1].strip() not in message:
        message += f"\n--- last {LOG_TAIL_LINES} log lines ---\n{tail}"
    return redact(message) or ""
