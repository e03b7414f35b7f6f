# ruff: noqa
# fmt: off
# domino-flows: production
from flytekit import workflow
from flytekit.types.file import FlyteFile

from domino_flows import DominoJobConfig, DominoJobTask, Output, run_domino_job_task

train = DominoJobTask(
    name="train",
    domino_job_config=DominoJobConfig(Command="python train.py", EnvironmentName="GPU"),
    inputs={"epochs": int},
    outputs={"model": FlyteFile},
    use_latest=True,  # expect: DF007
)


@workflow
def wf(epochs: int = 3) -> FlyteFile:
    model = train(epochs=epochs)
    run_domino_job_task(
        flyte_task_name="evaluate",
        command="python evaluate.py",
        output_specs=[Output(name="score", type=float)],
        use_project_defaults_for_omitted=True,  # expect: DF007
    )
    return model
