"""Every way Domino's flows read task outputs, on all three kinds of job task."""

from dataclasses import dataclass
from typing import NamedTuple

from flytekit import task, workflow

from domino_flows import (
    DominoJobConfig,
    DominoJobTask,
    Input,
    Output,
    domino_task,
    run_domino_job_task,
)

OUT = "/workflow/outputs"
IN = "/workflow/inputs"

# three outputs written with different values, so an output taken for another shows
three_words = DominoJobTask(
    name="three_words",
    domino_job_config=DominoJobConfig(
        Command=f"printf first > {OUT}/a; printf second > {OUT}/b; printf third > {OUT}/c"
    ),
    outputs={"a": str, "b": str, "c": str},
)


class Pair(NamedTuple):
    low: int
    high: int


@domino_task
def bounds(x: int) -> Pair:
    return Pair(x - 1, x + 1)


@dataclass
class Point:
    x: int
    label: str


@task
def make_point() -> Point:
    return Point(7, "p")


@task
def make_table() -> dict[str, list[int]]:
    return {"k": [10, 20, 30]}


def joined(*names: str) -> str:
    files = " ".join(f"{IN}/{n}" for n in names)
    return f"cat {files} | tr -d '\\n' > {OUT}/out"


@workflow
def unpacked() -> tuple[str, str, str]:
    a, b, c = run_domino_job_task(
        "three",
        f"echo hello > {OUT}/a; echo big > {OUT}/b; echo world > {OUT}/c",
        output_specs=[Output("a", str), Output("b", str), Output("c", str)],
    )
    x, y, z = three_words()
    low, high = bounds(x=5)
    both = run_domino_job_task(
        "both",
        joined("a", "b", "c", "x", "z", "low", "high"),
        inputs=[
            Input("a", str, a),
            Input("b", str, b),
            Input("c", str, c),
            Input("x", str, x),
            Input("z", str, z),
            Input("low", int, low),
            Input("high", int, high),
        ],
        output_specs=[Output("out", str)],
    )
    return both, y, three_words()["c"]


@workflow
def single(n: int = 1) -> int:
    first = run_domino_job_task(
        "first",
        f"echo $(( $(cat {IN}/n) + 1 )) > {OUT}/out",
        inputs=[Input("n", int, n)],
        output_specs=[Output("out", int)],
    )
    second = run_domino_job_task(
        "second",
        f"echo $(( $(cat {IN}/a) + $(cat {IN}/b) + $(cat {IN}/c) )) > {OUT}/out",
        inputs=[Input("a", int, first), Input("b", int, first.out), Input("c", int, first["out"])],
        output_specs=[Output("out", int)],
    )
    return run_domino_job_task(
        "third",
        f"cat {IN}/x > {OUT}/total",
        inputs=[Input("x", int, bounds(x=second.out).high)],
        output_specs=[Output("total", int)],
    )


@workflow
def paths(xs: list[int] = [4, 5, 6], table: dict[str, int] = {"q": 9}) -> str:  # noqa: B006
    point = make_point()
    made = make_table()
    return run_domino_job_task(
        "paths",
        joined("first", "last", "key", "x", "label", "nested"),
        inputs=[
            Input("first", int, xs[0]),
            Input("last", int, xs[-1]),
            Input("key", int, table["q"]),
            Input("x", int, point.x),
            Input("label", str, point.label),
            Input("nested", int, made["k"][1]),
        ],
        output_specs=[Output("out", str)],
    )["out"]


@workflow
def out_of_range(xs: list[int] = [4]) -> int:  # noqa: B006
    return run_domino_job_task(
        "echo",
        f"cat {IN}/v > {OUT}/out",
        inputs=[Input("v", int, xs[3])],
        output_specs=[Output("out", int)],
    )
