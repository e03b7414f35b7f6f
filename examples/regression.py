"""Simple linear regression, Flyte's classic first workflow, with each step as a Domino Job.

Shows: list inputs (each arrives in the job as a directory ``x/0``, ``x/1``, ...), a float output
of one job feeding the next, and a workflow with two outputs (slope, then intercept).

    domino-flows run examples/regression.py regression --input x='[-3,0,3]' --input y='[7,4,-2]'
    python examples/regression.py
"""

from flytekit import workflow

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def slope(x: list[int], y: list[int]) -> float:
    """Least squares slope: (n Σxy - Σx Σy) / (n Σx² - (Σx)²)."""
    n = len(x)
    sum_xy = sum(a * b for a, b in zip(x, y, strict=True))
    sum_x_squared = sum(a * a for a in x)
    return (n * sum_xy - sum(x) * sum(y)) / (n * sum_x_squared - sum(x) ** 2)


@domino_task(environment="Python 3.11", hardware_tier="Small")
def intercept(x: list[int], y: list[int], slope: float) -> float:
    """The line goes through the means: intercept = mean(y) - slope * mean(x)."""
    return sum(y) / len(y) - slope * sum(x) / len(x)


@workflow
def regression(
    x: list[int] = [-3, 0, 3],  # noqa: B006 - a workflow default, never mutated
    y: list[int] = [7, 4, -2],  # noqa: B006
) -> tuple[float, float]:
    slope_value = slope(x=x, y=y)
    intercept_value = intercept(x=x, y=y, slope=slope_value)
    return slope_value, intercept_value


if __name__ == "__main__":
    fitted_slope, fitted_intercept = regression()
    print(f"slope {fitted_slope}, intercept {fitted_intercept}")
