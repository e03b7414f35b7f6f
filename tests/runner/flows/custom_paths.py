"""Custom paths: ``Annotated[T, PathConfig(path=...)]`` and ``Input/Output(path=...)``."""

from typing import Annotated

from flytekit import workflow
from flytekit.types.file import FlyteFile

from domino_flows import (
    REPORT,
    Artifact,
    DominoJobConfig,
    DominoJobTask,
    Input,
    Output,
    PathConfig,
    run_domino_job_task,
)

Summary = Artifact("Summary", REPORT)

make = DominoJobTask(
    name="make",
    domino_job_config=DominoJobConfig(
        Command="mkdir -p /mnt/data/made && printf 'a,b\\n1,2\\n3,4\\n' > /mnt/data/made/rows.csv"
    ),
    outputs={"rows": Annotated[FlyteFile, PathConfig(path="/mnt/data/made/rows.csv")]},
)

count = DominoJobTask(
    name="count",
    domino_job_config=DominoJobConfig(
        Command="mkdir -p /mnt/data/report && "
        "wc -l < /mnt/data/in/rows.csv | tr -d ' ' > /mnt/data/report/summary.txt"
    ),
    inputs={"rows": Annotated[FlyteFile, PathConfig(path="/mnt/data/in/rows.csv")]},
    outputs={
        "summary": Annotated[
            Summary.File(name="summary.txt"), PathConfig(path="/mnt/data/report/summary.txt")
        ]
    },
)


@workflow
def paths_flow() -> str:
    summary = count(rows=make())
    return run_domino_job_task(
        "read",
        "cat /mnt/data/given/summary.txt | tr -d '\\n' > /mnt/data/answer",
        inputs=[Input("summary", FlyteFile, summary, path="/mnt/data/given/summary.txt")],
        output_specs=[Output("answer", str, path="/mnt/data/answer")],
    )
