# ruff: noqa
# fmt: off
from typing import Any, Optional

from domino_flows import Output, run_domino_job_task

maybe = run_domino_job_task(
    "maybe",
    "python maybe.py",
    output_specs=[
        Output(name="n", type=Optional[int]),  # expect: DF018
        Output(name="m", type=int | None),  # expect: DF018
        Output(name="x", type=Any),  # expect: DF018
    ],
)
