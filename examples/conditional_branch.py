"""A conditional branch: flytekit's ``conditional`` picks which Domino job runs next.

Shows: a job's output compared in a ``conditional`` (the only place a workflow may branch on a
task's result: plain ``if`` on a promise does not work, see lint rule DF002), both branches
being Domino job tasks with their own hardware tiers, and only the chosen one running.

    domino-flows run examples/conditional_branch.py quality_gate
    domino-flows run examples/conditional_branch.py quality_gate --input threshold=0.9
    python examples/conditional_branch.py
"""

from flytekit import conditional, workflow

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def score(values: list[float]) -> float:
    """The model's mean validation score."""
    return sum(values) / len(values)


@domino_task(environment="Python 3.11", hardware_tier="Small")
def approve(score: float) -> str:
    return f"approved: score {score:.3f}"


@domino_task(environment="Python 3.11", hardware_tier="Medium")
def reject(score: float, threshold: float) -> str:
    return f"rejected: score {score:.3f} is below {threshold:.3f}"


@workflow
def quality_gate(
    values: list[float] = [0.82, 0.91, 0.86],  # noqa: B006 - a workflow default, never mutated
    threshold: float = 0.8,
) -> str:
    result = score(values=values)
    return (
        conditional("gate")
        .if_(result >= threshold)
        .then(approve(score=result))
        .else_()
        .then(reject(score=result, threshold=threshold))
    )


if __name__ == "__main__":
    print(quality_gate())
