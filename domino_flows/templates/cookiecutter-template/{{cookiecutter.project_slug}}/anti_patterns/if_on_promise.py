"""Anti-pattern: a Python ``if`` on a task's result inside a workflow.

Why it hurts: a workflow body runs once, when the flow is compiled for registration, and task
results there are promises: placeholders for values that exist only after the jobs have run.
``if accuracy < 0.9`` is decided at compile time, on a placeholder, so the registered flow always
takes the same branch, whatever the model scores.

Fix: branch with flytekit's ``conditional``, which Domino evaluates when the value exists, or move
the decision into a task, which receives real values.

domino-flows lint: DF002 (promise-control-flow).
"""

from flytekit import conditional, workflow

from domino_flows import domino_task

ENVIRONMENT = "{{ cookiecutter.default_environment }}"
TIER = "{{ cookiecutter.default_hardware_tier }}"
TRAINING_ENVIRONMENT = "{{ cookiecutter.training_environment }}"
TRAINING_TIER = "{{ cookiecutter.training_hardware_tier }}"


@domino_task(environment=ENVIRONMENT, hardware_tier=TIER)
def score(rows: int) -> float:
    return min(1.0, rows / 1000)


@domino_task(environment=TRAINING_ENVIRONMENT, hardware_tier=TRAINING_TIER)
def retrain(rows: int) -> float:
    return min(1.0, 2 * rows / 1000)

# --- bad: a Python if on a promise ------------------------------------------------------------


@workflow
def bad_flow(rows: int = 500) -> float:
    accuracy = score(rows=rows)
    if accuracy < 0.9:
        accuracy = retrain(rows=rows)
    return accuracy


# --- good: conditional() decides when the value exists ----------------------------------------


@workflow
def good_flow(rows: int = 500) -> float:
    accuracy = score(rows=rows)
    return (
        conditional("good_enough")
        .if_(accuracy < 0.9)
        .then(retrain(rows=rows))
        .else_()
        .then(score(rows=rows))
    )
