"""Each step as a plain function: outside a workflow a @domino_task is the function itself."""

import json
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }} import churn, report
from {{ cookiecutter.package_name }}.flow import evaluate, prepare_data, train_model


def test_customers_are_reproducible_and_split():
    customers = churn.make_customers(rows=40, seed=3)
    assert customers == churn.make_customers(rows=40, seed=3)
    train, test = churn.split(customers, test_fraction=0.25)
    assert (len(train), len(test)) == (30, 10)
    with pytest.raises(ValueError, match="test_fraction"):
        churn.split(customers, test_fraction=1.5)


def test_the_model_learns_the_signal():
    train, test = churn.split(churn.make_customers(rows=300, seed=1), test_fraction=0.3)
    model = churn.fit_logistic_regression(train, learning_rate=0.5, epochs=60)
    assert model["weights"]["tenure_months"] < 0 < model["weights"]["support_calls"]
    assert churn.evaluate_model(model, test)["accuracy"] > 0.75


def test_steps_chain_as_plain_functions():
    data = prepare_data(rows=200, seed=5, test_fraction=0.25)
    assert len(churn.read_csv(Path(data.test.path))) == 50
    model = train_model(train=data.train, learning_rate=0.5, epochs=40)
    assert set(json.loads(Path(model.path).read_text())) >= {"weights", "bias", "scaling"}
    scored = evaluate(model=model, test=data.test)
    assert 0.5 < scored.accuracy <= 1.0
    assert json.loads(Path(scored.metrics.path).read_text())["rows"] == 50


def test_report_stage_script(tmp_path, monkeypatch):
    inputs, outputs = tmp_path / "inputs", tmp_path / "outputs"
    inputs.mkdir()
    outputs.mkdir()
    metrics = {"rows": 10.0, "accuracy": 0.9, "precision": 0.8, "recall": 0.7}
    model = churn.fit_logistic_regression(churn.make_customers(rows=20, seed=2), 0.5, 5)
    (inputs / "metrics").write_text(json.dumps(metrics))
    (inputs / "model").write_text(json.dumps(model))
    # The stage script finds its inputs and outputs where these variables say (on Domino:
    # /workflow/inputs and /workflow/outputs).
    monkeypatch.setenv("DOMINO_FLOWS_INPUTS_DIR", str(inputs))
    monkeypatch.setenv("DOMINO_FLOWS_OUTPUTS_DIR", str(outputs))
    report.main()
    text = (outputs / "report").read_text()
    assert "| accuracy | 0.900 |" in text
    assert "support_calls" in text
