"""Probe: kill the runner at random points and check a task never has two jobs at once.

Against the fake Domino, with stops that take their time (a container shutting down) and starts
whose job appears only after the request (the server acts late, so a runner killed while it waits
leaves a job that shows up afterwards). Each of ``--runs`` runs of a two-task chain:

1. ``domino-flows run`` is killed (SIGKILL) at a random moment of its first 7 s;
2. ``domino-flows resume`` is, half the time, interrupted (Ctrl-C) at a random moment too;
3. ``domino-flows resume`` then runs to the end.

A sampler looks at the fake's jobs every 10 ms and keeps, per run and task, the most jobs that
were not yet ended at the same time: it must be 1. Then Ctrl-C is measured during a total outage
(every request answered 503): the seconds from the signal to the command's exit.

    python benchmarks/probe_stop_truth.py --runs 20 --seed 1
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path

from domino_flows.records.store import RunStore
from domino_flows.testing import FakeDomino
from domino_flows.testing.fake_domino_jobs import COMPLETED

FLOW = textwrap.dedent(
    """
    import time
    from pathlib import Path

    from flytekit import workflow

    from domino_flows import domino_task


    @domino_task
    def first(x: int, started: str) -> int:
        Path(started).write_text("started")
        time.sleep(2)
        return x + 1


    @domino_task
    def second(x: int) -> int:
        time.sleep(2)
        return x * 2


    @workflow
    def chain(x: int = 1, started: str = "started.txt") -> int:
        return second(x=first(x=x, started=started))
    """
)
TITLE = re.compile(r" / (?P<task>\S+) \[run (?P<run>[^,]+), attempt")
LIMIT = 180  # seconds any one command may take before the probe calls it stuck


class Sampler(threading.Thread):
    """The most jobs of one task (per run) not yet ended at the same moment."""

    def __init__(self, fake: FakeDomino) -> None:
        super().__init__(daemon=True)
        self.fake = fake
        self.most: Counter[tuple[str, str]] = Counter()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.01):
            live: Counter[tuple[str, str]] = Counter()
            for job in list(self.fake.jobs.values()):
                found = TITLE.search(job.title or "")
                if found and job.status not in COMPLETED:
                    live[(found["run"], found["task"])] += 1
            for key, count in live.items():
                self.most[key] = max(self.most[key], count)


def command(project: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "domino_flows.cli", *args],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    _, err = process.communicate(timeout=LIMIT)
    return process.returncode, err


def one_run(project: Path, env: dict[str, str], fake: FakeDomino, rng: random.Random) -> dict:
    fake.stop_jobs_slowly(rng.uniform(0.5, 2.0))
    fake.slow_next("job_start", rng.uniform(0.5, 2.0), times=2, before_acting=True)
    started = project / "started.txt"
    started.unlink(missing_ok=True)
    known = {run["run_id"] for run in RunStore.for_project(project).runs()}
    runner = command(project, env, "run", "flow.py", "chain", "-i", f"started={started}")
    run_id = ""
    deadline = time.monotonic() + LIMIT
    while not run_id and time.monotonic() < deadline:  # the flow loads (flytekit): seconds
        new = [r["run_id"] for r in RunStore.for_project(project).runs()]
        run_id = next((r for r in new if r not in known), "")
        time.sleep(0.02)
    kill_after = rng.uniform(0.0, 7.0)  # from the run's start: before, during, after its jobs
    try:
        runner.wait(kill_after)
    except subprocess.TimeoutExpired:
        runner.send_signal(signal.SIGKILL)
    code, err = finish(runner)
    resumes, interrupted = 0, False
    if code != 0 and rng.random() < 0.5:
        resume = command(project, env, "resume", run_id)
        try:
            resume.wait(rng.uniform(0.5, 6.0))
        except subprocess.TimeoutExpired:
            resume.send_signal(signal.SIGINT)
            interrupted = True
        code, err = finish(resume)
        resumes += 1
    while code != 0 and resumes < 4:
        code, err = finish(command(project, env, "resume", run_id))
        resumes += 1
    return {
        "killed_at": kill_after,
        "run": run_id,
        "resumes": resumes,
        "interrupted": interrupted,
        "ok": code == 0,
        "last_error": err.strip().splitlines()[-1:] if code else [],
    }


def outage_exit(project: Path, env: dict[str, str], fake: FakeDomino) -> float:
    """Seconds from Ctrl-C to exit while every request fails."""
    fake.stop_jobs_slowly(0)
    started = project / "started.txt"
    started.unlink(missing_ok=True)
    runner = command(project, env, "run", "flow.py", "chain", "-i", f"started={started}")
    deadline = time.monotonic() + LIMIT
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    fake.chaos(seed=0, rate=1.0, kinds=("503",))
    time.sleep(1.0)  # the runner is now polling a deployment that does not answer
    signalled = time.monotonic()
    runner.send_signal(signal.SIGINT)
    code, err = finish(runner)
    took = time.monotonic() - signalled
    fake.chaos(seed=0, rate=0)
    assert code == 130 and "was not confirmed" in err, err
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--outages", type=int, default=3)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    with tempfile.TemporaryDirectory() as folder, FakeDomino(Path(folder) / "fake") as fake:
        project = Path(folder) / "project"
        project.mkdir()
        (project / "pyproject.toml").write_text('[project]\nname = "probe"\n')
        (project / "flow.py").write_text(FLOW)
        fake.add_tree(project)
        env = dict(os.environ)
        env.update(
            DOMINO_API_HOST=fake.url,
            DOMINO_USER_API_KEY=fake.api_key,
            DOMINO_PROJECT_OWNER=fake.owner,
            DOMINO_PROJECT_NAME=fake.project_name,
            DOMINO_FLOWS_BACKEND="domino",
        )
        sampler = Sampler(fake)
        sampler.start()
        began = time.monotonic()
        results = []
        for number in range(options.runs):
            result = one_run(project, env, fake, rng)
            results.append(result)
            print(f"run {number + 1}: {result}", flush=True)
        fake.wait_for_jobs(timeout=LIMIT)
        sampler.done.set()
        sampler.join()
        probe_seconds = time.monotonic() - began
        outages = [outage_exit(project, env, fake) for _ in range(options.outages)]
        fake.chaos(seed=0, rate=0)
        for job in list(fake.jobs.values()):  # leave nothing running
            if job.status not in COMPLETED:
                fake._stop_job(job, commit=False)
        worst = max(sampler.most.values(), default=0)
        print()
        print(f"runs: {len(results)}, finished: {sum(r['ok'] for r in results)}")
        print(
            f"resumes: {sum(r['resumes'] for r in results)}, Ctrl-C'd resumes: "
            f"{sum(bool(r.get('interrupted')) for r in results)}"
        )
        print(f"jobs started: {fake.job_count}; tasks seen: {len(sampler.most)}")
        print(f"most jobs of one task at once: {worst} (must be 1)")
        print(f"probe time: {probe_seconds:.0f} s")
        print(
            "Ctrl-C during a total outage, seconds to exit: "
            + ", ".join(f"{t:.1f}" for t in outages)
        )
        if worst > 1:
            raise SystemExit("FAILED: a task had two jobs at once")


if __name__ == "__main__":
    main()
