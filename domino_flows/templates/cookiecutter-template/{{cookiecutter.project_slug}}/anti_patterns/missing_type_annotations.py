"""Anti-pattern: a task without type annotations.

Why it hurts: each task is a separate Domino Job, and its inputs and outputs travel between jobs
as files written and read by type. An untyped input cannot be passed at all, and a function that
returns a value without a return annotation has no declared output: the value is dropped and the
next step fails.

Fix: annotate every input and the return value (``-> int``, ``-> FlyteFile``). A task that
returns nothing needs no return annotation.

domino-flows lint: DF005 (missing-type-annotation).
"""

from domino_flows import domino_task

ENVIRONMENT = "{{ cookiecutter.default_environment }}"
TIER = "{{ cookiecutter.default_hardware_tier }}"

# --- bad: untyped input, untyped result -------------------------------------------------------


@domino_task(environment=ENVIRONMENT, hardware_tier=TIER)
def bad_total(a, b: int):
    return a + b


# --- good: every input and the result typed ---------------------------------------------------


@domino_task(environment=ENVIRONMENT, hardware_tier=TIER)
def good_total(a: int, b: int) -> int:
    return a + b
