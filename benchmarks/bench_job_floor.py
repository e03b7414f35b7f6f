"""What N trivial local jobs cost with no runner at all, beside a real run of N tasks.

A local ``@domino_task`` job is a process of its own, forked by the warm launcher, that becomes
the job (session, environment, log files, Domino's filesystem), imports its flow file, reads its
inputs, calls the function, writes its outputs and exits. This script measures that model's
floor: one process does what the launcher does before its first request (the same preload, the
collector frozen, the heap on 2 MB pages), then forks the N jobs through the launcher's own
``_fork_job``, as many at a time as the machine has cores, each with the environment and
filesystem ``local_environment`` and ``local_mounts`` give a real job. Nothing is scheduled,
staged or recorded: every request is built before the clock starts.

Beside it, the same N tasks as a real ``domino-flows run`` (the wide flow of ``bench_scale.py``),
and a 1-task run: the start-up no run can skip. The rounds alternate, so a machine whose speed
moves affects both alike. "floor + start-up" is what a run of N tasks would take if the runner's
own work per task cost nothing.

    python benchmarks/bench_job_floor.py [--nodes 500] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_scale import FLOW, PYPROJECT, bench_env, children_cpu, run_flow

# Plays the launcher: builds every request first, then forks the jobs, at most ``cores`` at once.
FLOOR = """
import gc, json, os, shutil, sys, time
from pathlib import Path

from domino_flows.backends import local_environment, local_launcher, local_mounts
from domino_flows.core.paths import state_dir
from domino_flows.core.project import load_settings

nodes, cores, seed = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
project = Path.cwd().resolve()
settings = load_settings(project)
environment, tier = settings.environment(None, "step"), settings.hardware_tier("Small", "step")
host, shims, requests = local_mounts.HostFolders(), {}, []
floor = state_dir(project) / "floor"
shutil.rmtree(floor, ignore_errors=True)
for index in range(nodes):
    directory = floor / str(index)
    shutil.copytree(seed / "inputs", directory / "inputs")
    (directory / "root").mkdir()
    plan = local_mounts.decide(project, settings.filesystem, directory, host).plan
    variables = local_environment.job_variables(
        project, settings, directory, environment, tier, f"floor/{index}", "local-bench", shims
    )
    if plan is not None:
        variables.update(local_mounts.variables(plan))
    requests.append({
        "id": index, "target": "flow.py:step", "cwd": str(project), "env": variables,
        "stdout": str(directory / "stdout.log"), "stderr": str(directory / "stderr.log"),
        "mounts": plan.as_request() if plan else None,
    })
local_launcher.preload()  # as the launcher serves: preloaded, collector frozen, 2 MB pages
gc.collect()
gc.freeze()
local_launcher.huge_pages_for_the_heap()
started, running, failed = time.perf_counter(), 0, 0
pending = list(requests)
while pending or running:
    while pending and running < cores:
        local_launcher._fork_job(pending.pop(0))
        running += 1
    _, status = os.wait()
    running -= 1
    failed += status != 0
wall = time.perf_counter() - started
missing = [r["id"] for r in requests if not (floor / str(r["id"]) / "outputs" / "o0").exists()]
print(json.dumps({"wall": wall, "failed": failed, "missing": len(missing),
                  "filesystem": "domino" if requests[0]["mounts"] else "plain"}))
"""


def seed_job(project: Path) -> Path:
    """The job folder of a 1-task wide run: its inputs are what every floor job reads."""
    run_flow(project, "wide", 1)
    (folder,) = (project / ".domino-flows" / "jobs").glob("*/*/1")
    return folder


def floor(project: Path, nodes: int, seed: Path) -> dict[str, float]:
    cores = os.cpu_count() or 1
    command = [sys.executable, "-c", FLOOR, str(nodes), str(cores), str(seed)]
    before = children_cpu()
    done = subprocess.run(command, cwd=project, env=bench_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the floor run failed:\n{done.stdout}{done.stderr}")
    result = json.loads(done.stdout.splitlines()[-1])
    if result["failed"] or result["missing"]:
        raise SystemExit(f"{result['failed']} floor jobs failed, {result['missing']} wrote nothing")
    result["cpu"] = children_cpu() - before  # includes building the requests and the preload
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at the start"
    )
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "pyproject.toml").write_text(PYPROJECT)
        (project / "flow.py").write_text(FLOW)
        seed = seed_job(project)
        rows = []
        for _ in range(args.rounds):
            start_up = run_flow(project, "wide", 1)["wall"]
            jobs = floor(project, args.nodes, seed)
            real = run_flow(project, "wide", args.nodes)["wall"]
            rows.append((start_up, jobs["wall"], real, jobs["filesystem"]))
    print(f"\n{args.nodes} trivial tasks, {len(rows)} rounds (each: the three in turn):")
    print("| round | 1-task run | floor: jobs only | floor + start-up | `run` | `run` - floor |")
    print("|---|---|---|---|---|---|")
    for index, (start_up, jobs, real, filesystem) in enumerate(rows, 1):
        print(
            f"| {index} | {start_up:.2f} s | {jobs:.2f} s ({filesystem}) | "
            f"{jobs + start_up:.2f} s | {real:.2f} s | {real - jobs - start_up:.2f} s |"
        )
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
