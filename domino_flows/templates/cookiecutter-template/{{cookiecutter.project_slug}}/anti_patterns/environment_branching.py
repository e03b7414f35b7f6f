"""Anti-pattern: a task that behaves differently depending on where it runs.

Why it hurts: the same inputs give different results on your machine and in a Domino job (or in
another project). The cache keys on inputs only, so a result computed one way is reused where
the other was expected, and lineage cannot show why two runs differ.

Fix: make the choice an explicit task input, with a default in the workflow or a launch plan.

domino-flows lint: DF011 (environment-branching).
"""

import os

from flytekit import workflow

from domino_flows import domino_task

ENVIRONMENT = "{{ cookiecutter.default_environment }}"
TIER = "{{ cookiecutter.default_hardware_tier }}"

# --- bad: the task reads where it runs and changes what it does -------------------------------


@domino_task(environment=ENVIRONMENT, hardware_tier=TIER)
def bad_sample_size(rows: int) -> int:
    if os.environ.get("DOMINO_PROJECT_NAME") is None:  # "not on Domino: keep it quick"
        rows = min(rows, 100)
    return rows


@workflow
def bad_flow(rows: int = 10_000) -> int:
    return bad_sample_size(rows=rows)


# --- good: the choice is an input -------------------------------------------------------------


@domino_task(environment=ENVIRONMENT, hardware_tier=TIER)
def good_sample_size(rows: int, max_rows: int) -> int:
    return min(rows, max_rows) if max_rows > 0 else rows


@workflow
def good_flow(rows: int = 10_000, max_rows: int = 0) -> int:
    return good_sample_size(rows=rows, max_rows=max_rows)
