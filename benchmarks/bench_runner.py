"""domino-flows run against flytekit's own local execution, on the same flow, side by side.

Two flows, both real subprocess jobs on the embedded local backend, in the same throwaway
project, with caching off:

- ``fan-out``: eight independent @domino_task tasks that each sleep one second, feeding one join.
  flytekit's local execution (``python flow.py``) runs them one after another through the
  ``domino_job`` connector, polling each job every second; ``domino-flows run`` starts each task
  as soon as its inputs are ready.
- ``chain``: twenty trivial tasks, each feeding the next: the per-task overhead of each side.

    python benchmarks/bench_runner.py [--rounds 2] [--flows fan-out chain]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOW = """
import time

from flytekit import workflow

from domino_flows import domino_task


@domino_task(hardware_tier="Small")
def work(index: int) -> int:
    time.sleep(1)
    return index


@domino_task(hardware_tier="Small")
def join(a: int, b: int, c: int, d: int, e: int, f: int, g: int, h: int) -> int:
    return a + b + c + d + e + f + g + h + 0


@workflow
def eight(seed: int = 0) -> int:
    parts = [work(index=i) for i in range(8)]
    return join(a=parts[0], b=parts[1], c=parts[2], d=parts[3], e=parts[4], f=parts[5],
                g=parts[6], h=parts[7])


@domino_task(hardware_tier="Small")
def step(x: int) -> int:
    return x + 1


@workflow
def chain(x: int = 0) -> int:
    for _ in range(20):
        x = step(x=x)
    return x


if __name__ == "__main__":
    import sys

    print(chain(x=0) if sys.argv[1:] == ["chain"] else eight(seed=0))
"""

# flow name -> (workflow, the output that proves it ran, flytekit's command-line arguments)
FLOWS = {"fan-out": ("eight", "28", []), "chain": ("chain", "20", ["chain"])}

PYPROJECT = """
[project]
name = "bench"
version = "0"

[tool.domino_flows.hardware_tiers.Small]
cores = 1
"""


def timed(command: list[str], cwd: Path, env: dict[str, str], expected: str) -> float:
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0 or expected not in completed.stdout:
        raise SystemExit(f"{' '.join(command)} failed:\n{completed.stdout}\n{completed.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--flows", nargs="+", choices=sorted(FLOWS), default=sorted(FLOWS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "pyproject.toml").write_text(PYPROJECT)
        (project / "flow.py").write_text(FLOW)
        for flow in args.flows:
            measure(project, flow, args.rounds)


def measure(project: Path, flow: str, rounds: int) -> None:
    workflow, expected, flytekit_args = FLOWS[flow]
    cli = [sys.executable, "-m", "domino_flows.cli", "run", "flow.py", workflow, "--no-cache"]
    commands = {
        "flytekit local execution (python flow.py)": [sys.executable, "flow.py", *flytekit_args],
        "domino-flows run (default: one slot per core)": cli,
        "domino-flows run --max-parallel 8": [*cli, "--max-parallel", "8"],
    }
    # Warm job starts (the default) and cold ones (every job imports flytekit itself), so the
    # scheduling gain is shown apart from the start-up gain; both sides use the same local
    # backend in each pair.
    warm = {**os.environ, "DOMINO_FLOWS_WARM_JOBS": "1"}
    cold = {**os.environ, "DOMINO_FLOWS_WARM_JOBS": "0"}
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(rounds):
        for start, env in (("warm", warm), ("cold", cold)):
            for name, command in commands.items():
                elapsed = timed(command, project, env, expected)
                times.setdefault((start, name), []).append(elapsed)
    for start in ("warm", "cold"):
        baseline = statistics.median(times[(start, next(iter(commands)))])
        print(f"{flow}, {start} job starts, median of {rounds}:")
        for name in commands:
            median = statistics.median(times[(start, name)])
            print(f"  {name:<48} {median:6.1f} s   ratio {median / baseline:.2f}")


if __name__ == "__main__":
    main()
