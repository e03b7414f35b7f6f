"""Anti-pattern: a native flytekit ``@task`` in a Domino flow.

Why it hurts: Domino Flows runs only Domino Job tasks: a shell command in an environment, on a
hardware tier, at a commit. A native ``@task`` works in a local ``pyflyte run``, so nothing looks
wrong until the flow runs on Domino, where that step has nowhere to run and the flow fails.

Fix: make every step a Domino Job: ``@domino_task(environment=..., hardware_tier=...)`` for a
typed Python function, or a ``DominoJobTask`` around your own script.

domino-flows lint: DF001 (native-flytekit-task).
"""

from flytekit import task, workflow

from domino_flows import domino_task

ENVIRONMENT = "{{ cookiecutter.default_environment }}"
TIER = "{{ cookiecutter.default_hardware_tier }}"

# --- bad: a native flytekit task -------------------------------------------------------------


@task
def bad_clean(text: str) -> str:
    return text.strip().lower()


@workflow
def bad_flow(text: str = "  Hello Domino ") -> str:
    return bad_clean(text=text)


# --- good: the same step as a Domino Job ------------------------------------------------------


@domino_task(environment=ENVIRONMENT, hardware_tier=TIER)
def good_clean(text: str) -> str:
    return text.strip().lower()


@workflow
def good_flow(text: str = "  Hello Domino ") -> str:
    return good_clean(text=text)
