# ruff: noqa
# fmt: off
from flytekit import workflow
from myflows.tasks import evaluate, train


@workflow
def wf(epochs: int = 3) -> float:
    model = train(epochs=epochs)
    metrics = evaluate(model=model)
    if metrics:  # expect: DF002
        pass
    names = [m for m in metrics]  # expect: DF002
    assert model  # expect: DF002
    return metrics
