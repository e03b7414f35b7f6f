"""Count the Domino API requests the domino backend makes per task, against the fake Domino.

Runs a flow of ``--tasks`` independent one-input/one-output shell tasks (each a Domino job) on the
domino backend, for a DFS and a git-based project, and prints the requests by route: once per run
(client construction, project, names) and per task (upload, start, status polls, download).
Polls depend on how long a job runs and on the poll schedule; the fake's jobs take a fraction of a
second, and the schedule here is the backend's default (1 s, growing by 1.5x up to 20 s).

    python benchmarks/bench_domino_requests.py --tasks 10
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.backends.base import JobSpec, JobState
from domino_flows.backends.domino import DominoBackend
from domino_flows.backends.domino_client import DominoCredentials
from domino_flows.testing import FakeDomino

PER_RUN = ("version", "find_project", "hardware_tiers", "useable_environments")
COMMAND = 'echo $(( $(cat "$DOMINO_FLOWS_INPUTS_DIR/n") + 1 )) > "$DOMINO_FLOWS_OUTPUTS_DIR/out"'


def measure(project_type: str, tasks: int) -> tuple[Counter[str], float]:
    with (
        tempfile.TemporaryDirectory() as folder,
        FakeDomino(Path(folder) / "fake", project_type=project_type) as fake,
    ):
        backend = DominoBackend(
            Path(folder) / "project",
            SimpleNamespace(domino_project=fake.project, domino_host=fake.url),
            credentials=DominoCredentials(api_key=fake.api_key),
        )

        def run(index: int) -> None:
            spec = JobSpec(
                run_id="bench",
                flow="bench.flow",
                task=f"bench.task{index}",
                config=DominoJobConfig(
                    Command=COMMAND, HardwareTierName="Small", EnvironmentName="Python 3.11"
                ),
                input_types={"n": int},
                output_types={"out": int},
            )
            backend.resolve(spec)
            handle = backend.start(spec, backend.stage_inputs(spec, {"n": index}))
            status = backend.wait(handle, timeout=600)
            assert status.state is JobState.SUCCEEDED, status.message
            assert backend.collect_outputs(handle, spec) == {"out": index + 1}

        started = time.monotonic()
        with ThreadPoolExecutor(tasks) as pool:
            list(pool.map(run, range(tasks)))
        fake.assert_valid()
        return Counter(route for _, route in fake.calls), time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10)
    tasks = parser.parse_args().tasks
    for project_type in ("dfs", "git"):
        counts, seconds = measure(project_type, tasks)
        per_run = sum(counts[route] for route in PER_RUN)
        per_task = {r: counts[r] / tasks for r in sorted(counts) if r not in PER_RUN}
        polls = per_task.pop("job_status", 0.0)
        fixed = sum(per_task.values())
        print(
            f"{project_type}: {tasks} tasks in {seconds:.1f} s; once per run {per_run} "
            f"({', '.join(f'{r} {counts[r]}' for r in PER_RUN)}); per task {fixed:.1f} "
            f"({', '.join(f'{r} {n:.1f}' for r, n in per_task.items())}) + {polls:.1f} polls"
        )


if __name__ == "__main__":
    main()
