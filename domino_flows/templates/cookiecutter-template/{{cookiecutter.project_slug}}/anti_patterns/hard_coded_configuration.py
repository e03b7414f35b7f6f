"""Anti-pattern: configuration hard-coded in the job instead of given as inputs.

Why it hurts: the data path, the learning rate and the number of epochs are baked into the job
command. To train on next month's data or try another learning rate, someone edits code and
pushes a commit; the values are not task inputs, so Domino's lineage does not show them and the
cache cannot tell two configurations apart. Such commands usually also forget that a Domino Job
does not put the repository on Python's import path.

Fix: make every setting a task input with a default in the workflow, and name common sets of
inputs as launch plans. Set ``PYTHONPATH=$PWD`` in the command; the script reads its inputs
with ``domino_flows.job.read_input``.

domino-flows lint: DF012 (command-without-pythonpath). The lint cannot judge which values should
be inputs; a command full of literal settings is the sign to look for in review.
"""

from flytekit import LaunchPlan, workflow
from flytekit.types.file import FlyteFile

from domino_flows import DominoJobConfig, DominoJobTask

TRAINING_ENVIRONMENT = "{{ cookiecutter.training_environment }}"
TRAINING_TIER = "{{ cookiecutter.training_hardware_tier }}"

# --- bad: settings in the command, no inputs --------------------------------------------------

bad_train = DominoJobTask(
    name="bad_train",
    domino_job_config=DominoJobConfig(
        Command="python scripts/train.py --data /mnt/data/churn/2024-05.csv --learning-rate 0.1",
        EnvironmentName=TRAINING_ENVIRONMENT,
        HardwareTierName=TRAINING_TIER,
    ),
    inputs={},
    outputs={"model": FlyteFile},
)


@workflow
def bad_flow() -> FlyteFile:
    return bad_train()


# --- good: settings are inputs; a launch plan names a common set ------------------------------

good_train = DominoJobTask(
    name="good_train",
    domino_job_config=DominoJobConfig(
        Command="PYTHONPATH=$PWD python scripts/train.py",
        EnvironmentName=TRAINING_ENVIRONMENT,
        HardwareTierName=TRAINING_TIER,
    ),
    inputs={"data": FlyteFile, "learning_rate": float, "epochs": int},
    outputs={"model": FlyteFile},
)


@workflow
def good_flow(data: FlyteFile, learning_rate: float = 0.1, epochs: int = 20) -> FlyteFile:
    return good_train(data=data, learning_rate=learning_rate, epochs=epochs)


quick_check = LaunchPlan.get_or_create(
    workflow=good_flow, name="good_flow_quick_check", default_inputs={"epochs": 2}
)
