"""How the runner's cost grows with the graph, and what each task costs against bare Python.

Three shapes of trivial ``@domino_task`` nodes (real local jobs, warm starts, caching off), each at
several sizes:

- ``wide``: N independent tasks;
- ``deep``: a chain of N tasks, each feeding the next;
- ``diamond``: layers 20 wide, each node joining two nodes of the layer before.

For each run: wall time, the runner process's own CPU time (all its threads, from
``getrusage``), that CPU per node after the start-up a 1-node run costs, the runner's peak
resident memory, and the CPU of the jobs (the launcher and its children), per node too; "all
CPU" is both together, and "idle bound" that over the machine's cores: the wall time an idle
machine needs at least (a deep chain is bound by its latency instead). Then the time
``domino-flows graph`` takes on the largest diamond, and the 20-task chain's cost per task,
after start-up, beside 20 runs of the same function as ``python script.py``.

The machine is shared: CPU times are the figures to compare, wall times say how loaded it was
(the load average is printed with each row).

    python benchmarks/bench_scale.py [--sizes 50 500 5000] [--shapes wide deep diamond]
        [--chain-rounds 3] [--no-graph]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

WIDTH = 20  # of a diamond's layers

FLOW = f"""
import os

from flytekit import workflow

from domino_flows import domino_task

N = int(os.environ.get("BENCH_NODES", "1"))


@domino_task(hardware_tier="Small")
def step(x: int) -> int:
    return x + 1


@domino_task(hardware_tier="Small")
def pair(a: int, b: int) -> int:
    return (a + b) % 1_000_003  # 250 layers of sums would leave Flyte's 64-bit integers


@workflow
def wide(x: int = 0) -> None:
    for index in range(N):
        step(x=index)


@workflow
def deep(x: int = 0) -> int:
    for _ in range(N):
        x = step(x=x)
    return x


@workflow
def diamond(x: int = 0) -> int:
    layer = [step(x=index) for index in range({WIDTH})]
    for _ in range(max(0, N // {WIDTH} - 1)):
        layer = [pair(a=layer[i], b=layer[(i + 1) % {WIDTH}]) for i in range({WIDTH})]
    return layer[0]
"""

SCRIPT = """
def step(x: int) -> int:
    return x + 1


print(step(0))
"""

PYPROJECT = """
[project]
name = "bench"
version = "0"

[tool.domino_flows.hardware_tiers.Small]
cores = 1
"""

# Runs the command line and, as it exits, writes its own CPU time and peak memory.
RUNNER = """
import atexit, json, os, resource, sys

def report():
    me = resource.getrusage(resource.RUSAGE_SELF)
    with open(os.environ["BENCH_RUSAGE"], "w") as out:
        json.dump({"cpu": me.ru_utime + me.ru_stime, "peak_mb": me.ru_maxrss / 1024}, out)

atexit.register(report)
sys.argv = ["domino-flows", *sys.argv[1:]]
from domino_flows.cli import main
main()
"""


def bench_env(**extra: str) -> dict[str, str]:
    """This environment for the runs, with bytecode caching on: an installed kit and a project
    keep ``__pycache__``, and without it every job compiles the flow file and every run compiles
    the kit's own modules again (about 0.6 s of CPU per run)."""
    env = {**os.environ, **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_flow(project: Path, shape: str, nodes: int) -> dict[str, float]:
    report = project / "rusage.json"
    env = bench_env(BENCH_NODES=str(nodes), BENCH_RUSAGE=str(report))
    command = [sys.executable, "-c", RUNNER, "run", "flow.py", shape, "--no-cache"]
    before, started = children_cpu(), time.perf_counter()
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0 or "succeeded" not in done.stdout:
        raise SystemExit(f"{shape} ({nodes} nodes) failed:\n{done.stdout[-3000:]}{done.stderr}")
    runner = json.loads(report.read_text())
    everything = children_cpu() - before
    return {
        "wall": wall,
        "cpu": runner["cpu"],
        "peak_mb": runner["peak_mb"],
        "jobs_cpu": everything - runner["cpu"],
        "load": os.getloadavg()[0],
    }


def node_count(shape: str, nodes: int) -> int:
    return nodes if shape != "diamond" else max(1, nodes // WIDTH) * WIDTH


def growth(project: Path, shapes: list[str], sizes: list[int]) -> None:
    base = run_flow(project, "wide", 1)
    print(
        f"start-up (a 1-node run): {base['wall']:.2f} s wall, runner CPU {base['cpu']:.2f} s, "
        f"peak {base['peak_mb']:.0f} MB"
    )
    print()
    cores = os.cpu_count() or 1
    print(
        "| shape | nodes | wall | runner CPU | per node | peak memory | jobs' CPU | per node "
        "| all CPU | idle bound | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for shape in shapes:
        for size in sizes:
            count = node_count(shape, size)
            row = run_flow(project, shape, size)
            others = max(1, count - 1)
            per_node = (row["cpu"] - base["cpu"]) / others * 1000
            jobs_per_node = (row["jobs_cpu"] - base["jobs_cpu"]) / others * 1000
            everything = row["cpu"] + row["jobs_cpu"]
            print(
                f"| {shape} | {count} | {row['wall']:.1f} s | {row['cpu']:.2f} s | "
                f"{per_node:.1f} ms | {row['peak_mb']:.0f} MB | {row['jobs_cpu']:.1f} s | "
                f"{jobs_per_node:.1f} ms | {everything:.1f} s | {everything / cores:.1f} s | "
                f"{row['load']:.1f} |",
                flush=True,
            )


def graph_time(project: Path, nodes: int) -> None:
    env = bench_env(BENCH_NODES=str(nodes))
    command = [sys.executable, "-m", "domino_flows.cli", "graph", "flow.py", "diamond"]
    subprocess.run(command, cwd=project, env=env, check=True, capture_output=True)  # caches
    before, started = children_cpu(), time.perf_counter()
    subprocess.run(command, cwd=project, env=env, check=True, capture_output=True)
    wall, cpu = time.perf_counter() - started, children_cpu() - before
    print(
        f"\ngraph of the {node_count('diamond', nodes)}-node diamond: {wall:.2f} s wall, "
        f"{cpu:.2f} s CPU"
    )


def chain_against_python(project: Path, rounds: int) -> None:
    """Per task after start-up: (a 20-chain's run - a 1-chain's run) / 19, against the mean of
    20 runs of ``python script.py``; wall and CPU (runner, launcher and jobs together)."""
    (project / "script.py").write_text(SCRIPT)
    chain: list[tuple[float, float]] = []
    bare: list[tuple[float, float]] = []
    for _ in range(rounds):
        one, twenty = run_flow(project, "deep", 1), run_flow(project, "deep", 20)
        chain.append(
            (
                (twenty["wall"] - one["wall"]) / 19,
                (twenty["cpu"] + twenty["jobs_cpu"] - one["cpu"] - one["jobs_cpu"]) / 19,
            )
        )
        before, started = children_cpu(), time.perf_counter()
        for _ in range(20):
            subprocess.run(
                [sys.executable, "script.py"],
                cwd=project,
                env=bench_env(),
                check=True,
                capture_output=True,
            )
        bare.append(((time.perf_counter() - started) / 20, (children_cpu() - before) / 20))
    chain_wall = sorted(w for w, _ in chain)[len(chain) // 2]
    chain_cpu = sorted(c for _, c in chain)[len(chain) // 2]
    bare_wall = sorted(w for w, _ in bare)[len(bare) // 2]
    bare_cpu = sorted(c for _, c in bare)[len(bare) // 2]
    print(f"\n20-task chain, per task after start-up (median of {rounds}):")
    print("| | wall per task | CPU per task |")
    print("|---|---|---|")
    run = "`domino-flows run` (warm jobs)"
    print(f"| {run} | {chain_wall * 1000:.0f} ms | {chain_cpu * 1000:.0f} ms |")
    print(f"| `python script.py` | {bare_wall * 1000:.0f} ms | {bare_cpu * 1000:.0f} ms |")
    print(f"| ratio | {chain_wall / bare_wall:.2f} | {chain_cpu / bare_cpu:.2f} |")


def breakdown(project: Path) -> None:
    """Where a chained task's time goes, warm and cold, from its job folder's file times: the
    runner staging and starting it (inputs written to both job.json and the logs there), the job
    itself (mount namespace, flow import, I/O contract, the function: to outputs written), its
    exit being seen and recorded (to status.json), and the runner recording the node and staging
    the next one (to the next task's inputs)."""
    print("\nA chained task's time, median over a 20-task chain (ms):")
    print("| job start | staging, start | job | exit seen | recording, next staged | in all |")
    print("|---|---|---|---|---|---|")
    for start, warm in (("warm", "1"), ("cold", "0")):
        before = set((project / ".domino-flows" / "jobs").glob("*"))
        env = bench_env(BENCH_NODES="20", DOMINO_FLOWS_WARM_JOBS=warm)
        command = [sys.executable, "-m", "domino_flows.cli", "run", "flow.py", "deep"]
        subprocess.run(
            [*command, "--no-cache"], cwd=project, env=env, check=True, capture_output=True
        )
        (run,) = set((project / ".domino-flows" / "jobs").glob("*")) - before
        folders = sorted(run.glob("*/1"), key=lambda f: (f / "inputs").stat().st_mtime)
        phases: list[list[float]] = [[], [], [], [], []]
        for index, folder in enumerate(folders[:-1]):
            mtime = {n: (folder / n).stat().st_mtime for n in ("job.json", "stdout.log")}
            times = [
                (folder / "inputs").stat().st_mtime,
                max(mtime.values()),  # a cold job's logs are opened before job.json is written
                (folder / "outputs").stat().st_mtime,
                (folder / "status.json").stat().st_mtime,
            ]
            if index + 1 < len(folders):
                times.append((folders[index + 1] / "inputs").stat().st_mtime)
            for phase, (a, b) in enumerate(itertools.pairwise(times)):
                phases[phase].append((b - a) * 1000)
            phases[4].append((times[-1] - times[0]) * 1000)
        medians = [sorted(p)[len(p) // 2] for p in phases]
        print(f"| {start} | " + " | ".join(f"{m:.0f}" for m in medians) + " |")


@contextlib.contextmanager
def bench_project() -> Iterator[Path]:
    """A temporary project holding ``PYPROJECT`` and ``FLOW``, with the machine's Python, cores
    and load average printed as it is made and the load average again once it is gone."""
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at the start"
    )
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "pyproject.toml").write_text(PYPROJECT)
        (project / "flow.py").write_text(FLOW)
        yield project
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 500, 5000])
    parser.add_argument("--shapes", nargs="+", default=["wide", "deep", "diamond"])
    parser.add_argument("--chain-rounds", type=int, default=3, help="0: no chain or breakdown")
    parser.add_argument("--no-graph", action="store_true", help="skip timing `graph`")
    args = parser.parse_args()
    with bench_project() as project:
        if args.chain_rounds > 0:
            chain_against_python(project, args.chain_rounds)
            breakdown(project)
        if not args.no_graph:
            graph_time(project, max(args.sizes))
        print()
        growth(project, args.shapes, args.sizes)


if __name__ == "__main__":
    main()
