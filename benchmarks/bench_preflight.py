"""How long a flow whose last task names an unknown hardware tier takes to fail (before any job).

Makes a throwaway project with a 20-task chain whose last task asks for tier "Lage" (the project
defines "Large"), runs `domino-flows run` on it ROUNDS times in a fresh process each, and prints
the median wall time and that no job started. Usage:

    python benchmarks/bench_preflight.py --rounds 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TASKS = 20


def flow_text() -> str:
    lines = ["from flytekit import workflow", "", "from domino_flows import domino_task", ""]
    for index in range(TASKS):
        tier = "Lage" if index == TASKS - 1 else "Large"
        lines += [
            "",
            f'@domino_task(hardware_tier="{tier}")',
            f"def step{index}(x: int) -> int:",
            "    return x + 1",
            "",
        ]
    body = "x"
    for index in range(TASKS):
        body = f"step{index}(x={body})"
    lines += ["", "@workflow", "def chain(x: int = 0) -> int:", f"    return {body}", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "pyproject.toml").write_text(
            '[project]\nname = "bench"\n\n[tool.domino_flows.hardware_tiers.Large]\ncores = 1\n'
        )
        (root / "chain.py").write_text(flow_text())
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-m", "domino_flows.cli", "run", "chain.py", "chain"],
                cwd=root,
                capture_output=True,
                text=True,
            )
            times.append(time.perf_counter() - start)
            assert result.returncode == 2, result.stderr
            assert "Did you mean 'Large'?" in result.stderr, result.stderr
        assert not (root / ".domino-flows" / "jobs").exists(), "a job started"
    print(f"{TASKS}-task chain, last task on an unknown tier: exit 2, no job started")
    print(f"median {statistics.median(times):.2f} s over {rounds} runs (min {min(times):.2f} s)")


if __name__ == "__main__":
    main()
