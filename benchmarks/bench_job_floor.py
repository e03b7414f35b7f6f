"""What N trivial local jobs cost with no runner at all, beside a real run of N tasks.

A local ``@domino_task`` job is a process of its own, forked by the warm launcher, that becomes
the job (session, environment, log files, Domino's filesystem), imports its flow file, reads its
inputs, calls the function, writes its outputs and exits. This script measures that model's
floor: one process does what the launcher does before its first request (the same preload, the
collector frozen, the heap on 2 MB pages), then reads the N requests one at a time, as the
launcher does, and forks each job through the launcher's own ``_fork_job``, as many running at
once as the machine has cores. Each request carries the environment and filesystem
``local_environment`` and ``local_mounts`` give a real job, and is written to a file by another
process before the clock starts. Nothing is scheduled, staged or recorded.

Beside it, the same N tasks as a real ``domino-flows run`` (the wide flow of ``bench_scale.py``),
and a 1-task run: the start-up no run can skip. The rounds alternate, so a machine whose speed
moves affects both alike. "floor + start-up" is what a run of N tasks would take if the runner's
own work per task cost nothing; the rest of a run's time, per task, is the runner's share, and
the last column the run's time over that floor, a ratio that compares across moments and machines
whose speeds differ.

    python benchmarks/bench_job_floor.py [--nodes 500] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench_scale import bench_env, bench_project, run_flow

# Writes every job's request, as the backend would send it, one JSON line each.
REQUESTS = """
import json, shutil, sys
from pathlib import Path

from domino_flows.backends import local_environment, local_mounts
from domino_flows.core.paths import state_dir
from domino_flows.core.project import load_settings

nodes, seed, out = int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
project = Path.cwd().resolve()
settings = load_settings(project)
environment, tier = settings.environment(None, "step"), settings.hardware_tier("Small", "step")
host, shims = local_mounts.HostFolders(), {}
floor = state_dir(project) / "floor"
shutil.rmtree(floor, ignore_errors=True)
with out.open("w") as lines:
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
        request = {
            "id": index, "target": "flow.py:step", "cwd": str(project), "env": variables,
            "stdout": str(directory / "stdout.log"), "stderr": str(directory / "stderr.log"),
            "mounts": plan.as_request() if plan else None,
        }
        lines.write(json.dumps(request) + "\\n")
"""

# Plays the launcher: preloads as it does, then reads one request at a time (as it does) and
# forks its job, at most ``cores`` running at once.
FLOOR = """
import gc, json, os, sys, time
from pathlib import Path

from domino_flows.backends import local_launcher

cores, requests = int(sys.argv[1]), Path(sys.argv[2])
local_launcher.preload()
gc.collect()
gc.freeze()
local_launcher.huge_pages_for_the_heap()
started, running, failed, jobs = time.perf_counter(), 0, 0, 0
filesystem = "plain"
with requests.open() as lines:
    for line in lines:
        request = json.loads(line)
        filesystem = "domino" if request["mounts"] else "plain"
        if running == cores:
            failed += os.wait()[1] != 0
            running -= 1
        local_launcher._fork_job(request)
        running, jobs = running + 1, jobs + 1
while running:
    failed += os.wait()[1] != 0
    running -= 1
print(json.dumps({"wall": time.perf_counter() - started, "jobs": jobs, "failed": failed,
                  "filesystem": filesystem}))
"""


def seed_job(project: Path) -> Path:
    """The job folder of a 1-task wide run: its inputs are what every floor job reads."""
    run_flow(project, "wide", 1)
    (folder,) = (project / ".domino-flows" / "jobs").glob("*/*/1")
    return folder


def floor(project: Path, nodes: int, seed: Path) -> dict[str, Any]:
    requests = project / "requests.jsonl"
    build = [sys.executable, "-c", REQUESTS, str(nodes), str(seed), str(requests)]
    subprocess.run(build, cwd=project, env=bench_env(), check=True)
    cores = os.cpu_count() or 1
    command = [sys.executable, "-c", FLOOR, str(cores), str(requests)]
    done = subprocess.run(command, cwd=project, env=bench_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the floor run failed:\n{done.stdout}{done.stderr}")
    result = json.loads(done.stdout.splitlines()[-1])
    outputs = list((project / ".domino-flows" / "floor").glob("*/outputs/o0"))
    if result["failed"] or result["jobs"] != nodes or len(outputs) != nodes:
        raise SystemExit(
            f"of {nodes} floor jobs {result['jobs']} started, {result['failed']} failed, "
            f"{len(outputs)} wrote their output"
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with bench_project() as project:
        seed = seed_job(project)
        rows = []
        for _ in range(args.rounds):
            start_up = run_flow(project, "wide", 1)["wall"]
            jobs = floor(project, args.nodes, seed)
            real = run_flow(project, "wide", args.nodes)["wall"]
            rows.append((start_up, jobs["wall"], real, jobs["filesystem"]))
        print(f"\n{args.nodes} trivial tasks, {len(rows)} rounds (each: the three in turn):")
        print(
            "| round | 1-task run | floor: jobs only | floor + start-up | `run` "
            "| `run` - floor - start-up | per task | `run` / (floor + start-up) |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for index, (start_up, floor_wall, real, filesystem) in enumerate(rows, 1):
            share = real - floor_wall - start_up
            print(
                f"| {index} | {start_up:.2f} s | {floor_wall:.2f} s ({filesystem}) | "
                f"{floor_wall + start_up:.2f} s | {real:.2f} s | {share:.2f} s | "
                f"{share / args.nodes * 1000:.1f} ms | {real / (floor_wall + start_up):.2f} |"
            )


if __name__ == "__main__":
    main()
