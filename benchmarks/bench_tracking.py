"""What tracking costs a task locally: the same attempts with ``mlflow = true`` and ``mlflow =
false`` in ``[tool.domino_flows.tracking]``.

Each attempt goes through the execution core (``attempt.start`` and ``attempt.finish``, as
``domino-flows run`` drives them) on a backend whose jobs end at once, so what is measured is the
kit's own work per attempt: run store rows, lineage events, and with tracking on the MLflow run
(created before the job, params, input datasets, job tags, the job id tag; then metrics, the
OpenLineage events as an artifact, dominostats.json and the run's end) in the project's MLflow
file store. Importing MLflow happens once per run and is reported apart.

    python benchmarks/bench_tracking.py [--attempts 30] [--rounds 3]
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.backends.base import JobHandle, JobSpec, JobState, JobStatus, ResolvedJob
from domino_flows.execution import attempt
from domino_flows.execution.session import RunSession


class InstantBackend:
    """Jobs that succeed at once, recorded by the runner as local jobs are."""

    name = "instant"

    def resolve(self, spec: JobSpec) -> ResolvedJob:
        return ResolvedJob(None, "Python", None, None, "Small")

    def stage_inputs(self, spec: JobSpec, values: dict[str, Any]) -> str:
        return "staged"

    def start(self, spec: JobSpec, staging: str) -> JobHandle:
        return JobHandle(self.name, f"job-{spec.task}", spec.run_id, spec.task)

    def collect_outputs(self, handle: JobHandle, spec: JobSpec) -> dict[str, Any]:
        return {"score": 0.5, "rows": 10}

    def records_in_job(self) -> bool:
        return False

    def tag_job(self, handle: JobHandle, tags: list[str]) -> None:
        return None

    def job_records(self, handle: JobHandle) -> dict[str, str]:
        return {}

    def logs(self, handle: JobHandle, tail: int | None = None) -> str:
        return ""

    def error_text(self, handle: JobHandle) -> str:
        return ""

    def stop(self, handle: JobHandle) -> None:
        return None


def one_round(folder: Path, mlflow: bool, attempts: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of each attempt."""
    root = folder / ("on" if mlflow else "off")
    root.mkdir()
    table = f"[tool.domino_flows.tracking]\nmlflow = {str(mlflow).lower()}\n"
    (root / "pyproject.toml").write_text(f"[project]\nname = 'bench'\n\n{table}")
    backend = InstantBackend()
    session = RunSession(root, "run-1", "bench.wf", backend)  # type: ignore[arg-type]
    session.begin()
    times = []
    for number in range(attempts):
        spec = JobSpec(
            "run-1",
            "bench.wf",
            f"bench.task{number}",
            DominoJobConfig(Command="true"),
            input_types={"rows": int, "label": str},
            output_types={"score": float, "rows": int},
        )
        began, cpu = time.perf_counter(), time.process_time()
        record = attempt.start(backend, spec, {"rows": 5, "label": "x"}, root)  # type: ignore[arg-type]
        attempt.finish(backend, record, JobStatus(JobState.SUCCEEDED), spec, {})  # type: ignore[arg-type]
        times.append((time.perf_counter() - began, time.process_time() - cpu))
    session.close(JobState.SUCCEEDED)
    return times


def ms(values: list[float], minus: list[float] | None = None) -> str:
    value = statistics.median(values) - (statistics.median(minus) if minus else 0.0)
    return f"{value * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    began = time.perf_counter()
    importlib.import_module("mlflow.tracking")  # once per run, as the runner does

    print(f"importing MLflow (once per run): {time.perf_counter() - began:.2f} s")
    wall: dict[bool, list[float]] = {False: [], True: []}
    cpu: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(args.rounds):
        for tracked in (False, True):
            with tempfile.TemporaryDirectory(prefix="bench-tracking-") as temp:
                times = one_round(Path(temp), tracked, args.attempts)[1:]  # first: experiment
                wall[tracked].append(statistics.median(t[0] for t in times))
                cpu[tracked].append(statistics.median(t[1] for t in times))
    print(f"{args.attempts} attempts x {args.rounds} rounds, median per attempt (wall / CPU):")
    for label, tracked in (("tracking off", False), ("tracking on ", True)):
        print(f"  {label}: {ms(wall[tracked])} / {ms(cpu[tracked])}")
    print(
        f"  overhead:     {ms(wall[True], wall[False])} / {ms(cpu[True], cpu[False])} per task "
        "(goal: <= 50 ms)"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
