"""Exactly one Domino job per task attempt under faults: seeded runs of a five-task diamond flow
against a fake Domino that faults at least 30 % of all requests (500/502/503, 429 with
Retry-After, connections dropped before and after the server acted, answers slower than the
client waits), for a DFS and a git-based project, one run at a time and two at once.

Each run drives the backend protocol the way the runner does (resolve, stage, start, wait, collect)
with a fresh backend per run, as each run has its own. Waits are short (fast backoff and polls).
Each seed costs a few seconds, mostly the fake's slow answers, so the four series of seeds run side
by side: eight seeds per project type serve every kind of fault; the single-fault tests of
test_domino.py and test_domino_integration.py put each kind on the start itself."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest

from domino_flows.authoring.config import DominoJobConfig
from domino_flows.backends.base import JobHandle, JobSpec, JobState
from domino_flows.backends.domino import DominoBackend
from domino_flows.backends.domino_client import DominoCredentials, RetryPolicy
from domino_flows.backends.domino_jobs import attempt_marker
from domino_flows.backends.domino_polling import PollPolicy
from domino_flows.testing import FakeDomino
from domino_flows.testing.fake_domino import CHAOS_KINDS

# Two series of four seeds, each series on a fake of its own. Seeds differ in how many requests
# their random stream faults: these eight (of the twenty this file once ran) fault over a third
# of each series' requests, and each series serves every kind of fault (both checked below).
SEED_SERIES = (range(4, 8), range(14, 18))
FAULT_RATE = 0.35
# A loaded test machine (2 cores, parallel workers) answers ordinary requests of the fake in
# over 0.15 s at times: with that read timeout every try of a call could time out. 0.4 s leaves
# room; a slow answer still comes after the client gave up.
READ_TIMEOUT = 0.4
SLOW_ANSWER = 0.5  # longer than the read timeout: the client gives up, the server acted


def task_command(expression: str) -> str:
    return f'echo $(( {expression} )) > "$DOMINO_FLOWS_OUTPUTS_DIR/out"'


def read(name: str) -> str:
    return f'$(cat "$DOMINO_FLOWS_INPUTS_DIR/{name}")'


# the diamond: a feeds b, c and d, which all feed e
DIAMOND = {
    "a": (task_command(f"{read('x')} + 1"), ["x"]),
    "b": (task_command(f"{read('a')} * 2"), ["a"]),
    "c": (task_command(f"{read('a')} * 3"), ["a"]),
    "d": (task_command(f"{read('a')} * 4"), ["a"]),
    "e": (task_command(f"{read('b')} + {read('c')} + {read('d')}"), ["b", "c", "d"]),
}


def make_backend(fake: FakeDomino, root: Path) -> DominoBackend:
    return DominoBackend(
        root,
        SimpleNamespace(domino_project=fake.project, domino_host=fake.url),
        credentials=DominoCredentials(api_key=fake.api_key),
        # many tries: at a 35 % fault rate, 20 faults in a row on one call are a 1e-9 event
        retry=RetryPolicy(attempts=20, base_delay=0.005, max_delay=0.05, max_retry_after=0.1),
        poll=PollPolicy(initial=0.02, factor=1.5, max_interval=0.1),
        timeout=(2.0, READ_TIMEOUT),
        # under load a start's answer can take longer than the read timeout while its job is
        # still being created: keep looking this long before posting again
        start_settle=5.0,
    )


def run_diamond(
    fake: FakeDomino, root: Path, run_id: str, x: int
) -> tuple[int, dict[str, JobHandle]]:
    backend = make_backend(fake, root)
    handles: dict[str, JobHandle] = {}
    values: dict[str, int] = {"x": x}

    def run_task(name: str) -> None:
        command, inputs = DIAMOND[name]
        spec = JobSpec(
            run_id=run_id,
            flow="tests.diamond",
            task=f"tests.diamond.{name}",
            config=DominoJobConfig(Command=command, HardwareTierName="Small"),
            input_types={i: int for i in inputs},
            output_types={"out": int},
        )
        backend.resolve(spec)
        staging = backend.stage_inputs(spec, {i: values[i] for i in inputs})
        handle = backend.start(spec, staging)
        status = backend.wait(handle, timeout=60)
        while not status.is_terminal:
            status = backend.wait(handle, timeout=60)
        assert status.state is JobState.SUCCEEDED, status.message
        handles[name] = handle
        values[name] = backend.collect_outputs(handle, spec)["out"]

    run_task("a")
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(run_task, ["b", "c", "d"]))
    run_task("e")
    return values["e"], handles


def expected(x: int) -> int:
    return (x + 1) * 9


def check_one_job_per_attempt(fake: FakeDomino, runs: dict[str, dict[str, JobHandle]]) -> None:
    markers: dict[str, list[str]] = {}
    for job in fake.jobs.values():
        found = re.search(r"dfa-[0-9a-f]{16}", job.command)
        assert found, job.command
        markers.setdefault(found.group(0), []).append(job.id)
    attempts = {
        attempt_marker(run_id, handle.task, 1): handle
        for run_id, handles in runs.items()
        for handle in handles.values()
    }
    # exactly one job per attempt, and no job that belongs to no attempt
    assert {m: len(ids) for m, ids in markers.items()} == dict.fromkeys(attempts, 1)
    # each attempt holds its own job: none adopted twice, none adopted across tasks or runs
    adopted = [handle.job_id for handle in attempts.values()]
    assert len(set(adopted)) == len(adopted) == fake.job_count
    for marker, handle in attempts.items():
        assert markers[marker] == [handle.job_id]


def seeded_series(project_type: str, folder: Path, seeds: range) -> None:
    """Seeded faulted runs, one after another, on one project."""
    runs: dict[str, dict[str, JobHandle]] = {}
    with FakeDomino(folder / "fake", project_type=project_type) as fake:
        for seed in seeds:
            fake.chaos(seed, rate=FAULT_RATE, slow_seconds=SLOW_ANSWER)
            run_id = f"faults-{project_type}-{seed}"
            result, handles = run_diamond(fake, folder / run_id, run_id, seed)
            assert result == expected(seed), f"{project_type} seed {seed}"
            runs[run_id] = handles
        fake.chaos(0, rate=0)
        check_one_job_per_attempt(fake, runs)
        assert fake.faulted / len(fake.requests) >= 0.30
        assert set(fake.chaos_kinds) == set(CHAOS_KINDS)  # each kind of fault was served
        assert fake.job_count == 5 * len(seeds)
        # the faults reached the start: lost answers were recovered by looking, not re-posting
        assert fake.count("jobs_list") > 0 and fake.count("job_start") > fake.job_count
    fake.assert_valid()


@pytest.mark.slow
def test_seeded_faulted_runs_each_start_exactly_one_job_per_attempt(tmp_path: Path):
    # Each series runs on a fake of its own and spends most of its time waiting out the fake's
    # slow answers, not computing: the four run side by side, so their waits overlap.
    series = {
        f"{project_type}-seeds-{seeds.start}-{seeds.stop - 1}": (project_type, seeds)
        for project_type in ("dfs", "git")
        for seeds in SEED_SERIES
    }
    with ThreadPoolExecutor(len(series)) as pool:
        futures = {
            name: pool.submit(seeded_series, project_type, tmp_path / name, seeds)
            for name, (project_type, seeds) in series.items()
        }
    failed = {name: future.exception() for name, future in futures.items() if future.exception()}
    assert not failed, "\n".join(f"series {name}: {error!r}" for name, error in failed.items())


@pytest.mark.slow
@pytest.mark.parametrize("project_type", ["dfs", "git"])
def test_two_faulted_runs_at_once_never_adopt_each_others_jobs(project_type: str, tmp_path: Path):
    with FakeDomino(tmp_path / "fake", project_type=project_type) as fake:
        fake.chaos(1234, rate=FAULT_RATE, slow_seconds=SLOW_ANSWER)
        with ThreadPoolExecutor(2) as pool:
            futures = {
                run_id: pool.submit(run_diamond, fake, tmp_path / run_id, run_id, x)
                for run_id, x in (("together-1", 3), ("together-2", 5))
            }
            outcomes = {run_id: future.result() for run_id, future in futures.items()}
        fake.chaos(0, rate=0)
        assert outcomes["together-1"][0] == expected(3)
        assert outcomes["together-2"][0] == expected(5)
        check_one_job_per_attempt(fake, {r: handles for r, (_, handles) in outcomes.items()})
        assert fake.faulted / len(fake.requests) >= 0.30
    fake.assert_valid()
