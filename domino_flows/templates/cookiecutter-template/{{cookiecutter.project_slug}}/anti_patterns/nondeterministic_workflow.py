"""Anti-pattern: a clock or random numbers in a workflow body.

Why it hurts: the workflow body (and its parameter defaults) is evaluated once, at registration.
``datetime.now()`` there produces one value that every later execution reuses: the "daily" flow
processes the registration date forever, and cached tasks never see a new value.

Fix: make the value a workflow input (a launch plan or a schedule fills it per run), or compute it
inside a task, which runs each time.

domino-flows lint: DF003 (nondeterministic-workflow).
"""

from datetime import datetime

from flytekit import workflow

from domino_flows import domino_task

ENVIRONMENT = "{{ cookiecutter.default_environment }}"
TIER = "{{ cookiecutter.default_hardware_tier }}"


@domino_task(environment=ENVIRONMENT, hardware_tier=TIER)
def load_day(day: str) -> int:
    return len(day)

# --- bad: today's date, frozen at registration ------------------------------------------------


@workflow
def bad_flow() -> int:
    return load_day(day=datetime.now().strftime("%Y-%m-%d"))


# --- good: the date is an input ---------------------------------------------------------------


@workflow
def good_flow(day: str) -> int:
    return load_day(day=day)
