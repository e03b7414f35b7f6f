"""Time ``domino-flows lint`` on 200 generated flow files.

Each generated file is a realistic flow module: a few ``@domino_task`` functions with pandas
bodies, ``DominoJobTask`` definitions, a NamedTuple output, a ``@workflow`` with a
``conditional`` and a ``run_domino_job_task`` call; about one file in four also carries typical
mistakes, so that the rules that report have work to do. Linting is timed in-process (through
the engine, best and median of several rounds) and once through the installed command in a
subprocess (which includes interpreter start-up).

Run: ``python benchmarks/bench_lint.py [--files 200] [--rounds 5]``
"""

from __future__ import annotations

import argparse
import ast
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from domino_flows.lint import run_lint

HEADER = '''"""Flow {index}: {title}."""

import os
from typing import NamedTuple

import pandas as pd
from flytekit import conditional, workflow
from flytekit.types.file import FlyteFile

from domino_flows import (
    DominoJobConfig,
    DominoJobTask,
    Input,
    Output,
    domino_task,
    run_domino_job_task,
)

REGIONS = ["eu", "us", "apac"]


class Split(NamedTuple):
    train: FlyteFile
    test: FlyteFile
    rows: int
'''

TASK = '''

@domino_task(environment="Python 3.11", hardware_tier="{tier}", cache=True, cache_version="{v}")
def {name}(rows: int, seed: int, region: str = "eu") -> FlyteFile:
    """Step {name}: build features for one region."""
    df = pd.DataFrame({{"x": range(rows), "region": region}})
    df = df.sample(frac=1.0, random_state=seed)
    df["y"] = df["x"] * {factor} + seed
    for column in ("x", "y"):
        df[column + "_z"] = (df[column] - df[column].mean()) / (df[column].std() or 1.0)
    path = "{name}.parquet"
    df.to_parquet(path)
    return FlyteFile(path)
'''

SPLIT = """

@domino_task(environment="Python 3.11", hardware_tier="Small")
def split_{index}(data: FlyteFile, ratio: float) -> Split:
    df = pd.read_parquet(data.download())
    cut = int(len(df) * ratio)
    df[:cut].to_csv("train.csv")
    df[cut:].to_csv("test.csv")
    return Split(train=FlyteFile("train.csv"), test=FlyteFile("test.csv"), rows=len(df))
"""

JOB = """

{name} = DominoJobTask(
    name="{name}",
    domino_job_config=DominoJobConfig(
        Command="PYTHONPATH=/mnt/code python -m models.{name} --epochs 3",
        EnvironmentName="GPU env",
        HardwareTierName="{tier}",
    ),
    inputs={{"data": FlyteFile, "epochs": int}},
    outputs={{"model": FlyteFile, "accuracy": float}},
    use_latest=False,
)
"""

WORKFLOW = """

@workflow
def flow_{index}(
    rows: int = 1000, seed: int = 1, epochs: int = 3, threshold: float = 0.8
) -> FlyteFile:
    features = {first}(rows=rows, seed=seed)
{more}    split = split_{index}(data=features, ratio=0.8)
    model, accuracy = {job}(data=split.train, epochs=epochs)
    run_domino_job_task(
        flyte_task_name="evaluate_{index}",
        command="python evaluate.py",
        inputs=[Input(name="model", type=FlyteFile, value=model)],
        output_specs=[Output(name="report", type=FlyteFile)],
        environment_name="Python 3.11",
        hardware_tier_name="Small",
    )
    return (
        conditional("good_enough_{index}")
        .if_(accuracy >= threshold)
        .then({job}(data=split.test, epochs=1).model)
        .else_()
        .then(features)
    )
"""

MISTAKES = """

API_KEY = "603d2f07ed65bbb3be5bdf97ef5f10074a555febabd1fd9d1bdf284ab7ec5d27"
SEEN = []


@domino_task(environment="Python 3.11", hardware_tier="Small")
def sloppy_{index}(rows, mode: str) -> str:
    SEEN.append(rows)
    if os.environ.get("FAST"):
        rows = 10
    df = pd.DataFrame({{"x": range(rows)}})
    return df.to_csv()


@workflow
def sloppy_flow_{index}(rows: int = 10) -> str:
    text = sloppy_{index}(rows, "x")
    if rows > 5:
        text = sloppy_{index}(rows=5, mode="y")
    return text
"""


def flow_source(index: int, rng: random.Random) -> str:
    tasks = [f"features_{index}_{n}" for n in range(rng.randint(3, 7))]
    jobs = [f"train_{index}_{n}" for n in range(rng.randint(1, 3))]
    parts = [HEADER.format(index=index, title=rng.choice(["churn", "sales", "fraud", "demand"]))]
    for name in tasks:
        tier = rng.choice(["Small", "Medium", "Large"])
        parts.append(TASK.format(name=name, tier=tier, v=rng.randint(1, 9), factor=rng.random()))
    parts.append(SPLIT.format(index=index))
    for name in jobs:
        parts.append(JOB.format(name=name, tier=rng.choice(["GPU small", "GPU large"])))
    more = "".join(
        f"    features = {name}(rows=rows, seed=seed + {n}, region=REGIONS[{n % 3}])\n"
        for n, name in enumerate(tasks[1:], 1)
    )
    parts.append(WORKFLOW.format(index=index, first=tasks[0], more=more, job=jobs[0]))
    if index % 4 == 0:
        parts.append(MISTAKES.format(index=index))
    return "".join(parts)


def generate(directory: Path, count: int) -> int:
    rng = random.Random(20240601)
    lines = 0
    for index in range(count):
        package = directory / "flows" / f"team_{index % 10}"
        package.mkdir(parents=True, exist_ok=True)
        source = flow_source(index, rng)
        (package / f"flow_{index:03d}.py").write_text(source)
        lines += source.count("\n")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    directory = Path(tempfile.mkdtemp(prefix="bench-lint-"))
    try:
        lines = generate(directory, args.files)
        timings = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            result = run_lint([directory])
            timings.append(time.perf_counter() - start)
        assert result.files == args.files, result.files

        # Baseline: reading and parsing alone, the part no rule can avoid.
        sources = sorted(directory.rglob("*.py"))
        parse = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            for path in sources:
                ast.parse(path.read_text())
            parse.append(time.perf_counter() - start)

        command = Path(sys.executable).with_name("domino-flows")
        start = time.perf_counter()
        completed = subprocess.run(
            [str(command), "lint", "--format", "json", str(directory)],
            capture_output=True,
            text=True,
        )
        cli = time.perf_counter() - start
        assert completed.returncode in (0, 1), completed.stderr

        best, median = min(timings), statistics.median(timings)
        print(
            f"bench_lint: {args.files} files / {lines} lines, {len(result.findings)} findings; "
            f"in-process best {best:.3f} s, median {median:.3f} s "
            f"({best / args.files * 1000:.2f} ms/file, {args.rounds} rounds; "
            f"ast.parse alone {min(parse):.3f} s); "
            f"CLI subprocess {cli:.3f} s; Python {sys.version.split()[0]}"
        )
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
