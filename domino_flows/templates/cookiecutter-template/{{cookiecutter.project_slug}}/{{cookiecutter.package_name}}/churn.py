"""The model code, free of any flow machinery: plain functions on plain data, easy to test.

A customer churn classifier on synthetic data, standard library only, so the project runs
anywhere. Swap in pandas and scikit-learn when your environment has them; the flow does not
change.
"""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

FEATURES = ("tenure_months", "monthly_charges", "support_calls")
LABEL = "churned"


def make_customers(rows: int, seed: int) -> list[dict[str, float]]:
    """Synthetic customers: short tenure, high charges and many support calls mean churn."""
    rng = random.Random(seed)
    customers = []
    for _ in range(rows):
        tenure = rng.uniform(1, 72)
        charges = rng.uniform(20, 120)
        calls = float(rng.randint(0, 8))
        score = -0.06 * tenure + 0.03 * charges + 0.5 * calls - 1.5 + rng.gauss(0, 0.5)
        customers.append(
            {
                "tenure_months": round(tenure, 2),
                "monthly_charges": round(charges, 2),
                "support_calls": calls,
                LABEL: 1.0 if score > 0 else 0.0,
            }
        )
    return customers


def split(
    rows: list[dict[str, float]], test_fraction: float
) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """The first rows for training, the rest for testing (the rows are already shuffled)."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, not {test_fraction}")
    cut = len(rows) - max(1, round(len(rows) * test_fraction))
    return rows[:cut], rows[cut:]


def write_csv(rows: list[dict[str, float]], path: Path) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*FEATURES, LABEL])
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_csv(path: Path) -> list[dict[str, float]]:
    with path.open(newline="") as handle:
        return [{key: float(value) for key, value in row.items()} for row in csv.DictReader(handle)]


def _standardize(rows: list[dict[str, float]]) -> dict[str, tuple[float, float]]:
    scaling = {}
    for feature in FEATURES:
        values = [row[feature] for row in rows]
        mean = sum(values) / len(values)
        spread = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)) or 1.0
        scaling[feature] = (mean, spread)
    return scaling


def predict_probability(model: dict, row: dict[str, float]) -> float:
    z = model["bias"]
    for feature in FEATURES:
        mean, spread = model["scaling"][feature]
        z += model["weights"][feature] * (row[feature] - mean) / spread
    return 1.0 / (1.0 + math.exp(-z))


def fit_logistic_regression(
    rows: list[dict[str, float]], learning_rate: float, epochs: int
) -> dict:
    """Logistic regression by batch gradient descent on standardized features."""
    if not rows:
        raise ValueError("no training rows")
    model: dict = {
        "features": list(FEATURES),
        "scaling": _standardize(rows),
        "weights": dict.fromkeys(FEATURES, 0.0),
        "bias": 0.0,
    }
    for _ in range(epochs):
        gradient = dict.fromkeys(FEATURES, 0.0)
        gradient_bias = 0.0
        for row in rows:
            error = predict_probability(model, row) - row[LABEL]
            for feature in FEATURES:
                mean, spread = model["scaling"][feature]
                gradient[feature] += error * (row[feature] - mean) / spread
            gradient_bias += error
        for feature in FEATURES:
            model["weights"][feature] -= learning_rate * gradient[feature] / len(rows)
        model["bias"] -= learning_rate * gradient_bias / len(rows)
    return model


def evaluate_model(model: dict, rows: list[dict[str, float]]) -> dict[str, float]:
    """Accuracy, precision and recall at a 0.5 threshold."""
    tp = fp = tn = fn = 0
    for row in rows:
        predicted = predict_probability(model, row) >= 0.5
        actual = row[LABEL] >= 0.5
        tp += predicted and actual
        fp += predicted and not actual
        tn += not predicted and not actual
        fn += not predicted and actual
    return {
        "rows": float(len(rows)),
        "accuracy": (tp + tn) / len(rows) if rows else 0.0,
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
    }


def render_report(metrics: dict[str, float], model: dict) -> str:
    """A short Markdown report of the evaluation."""
    lines = [
        "# Churn model evaluation",
        "",
        f"Evaluated on {int(metrics['rows'])} held-out customers.",
        "",
        "| metric | value |",
        "|---|---|",
        *(f"| {name} | {metrics[name]:.3f} |" for name in ("accuracy", "precision", "recall")),
        "",
        "| feature | weight |",
        "|---|---|",
        *(f"| {name} | {model['weights'][name]:+.3f} |" for name in model["features"]),
        "",
    ]
    return "\n".join(lines)
