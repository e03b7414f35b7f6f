"""Anti-pattern: ``use_latest`` in a production flow.

Why it hurts: ``use_latest=True`` makes every run take the project's latest environment revision
and default settings. When someone changes the project's environment or defaults, production
silently runs something else, and two runs of the same flow version can differ.

Fix: pin the environment and the hardware tier, and leave ``use_latest`` off. Keep
``use_latest`` for prototypes.

domino-flows lint: DF007 (unpinned-in-production). The comment below marks this file as a
production flow; ``[tool.domino_flows.lint] production`` in pyproject.toml marks whole folders.
"""

# domino-flows: production

from flytekit import workflow
from flytekit.types.file import FlyteFile

from domino_flows import DominoJobConfig, DominoJobTask

TRAINING_ENVIRONMENT = "{{ cookiecutter.training_environment }}"
TRAINING_TIER = "{{ cookiecutter.training_hardware_tier }}"

# --- bad: whatever the project's latest settings are today ------------------------------------

bad_train = DominoJobTask(
    name="bad_train",
    domino_job_config=DominoJobConfig(Command="PYTHONPATH=$PWD python scripts/train.py"),
    inputs={"rows": int},
    outputs={"model": FlyteFile},
    use_latest=True,
)


@workflow
def bad_flow(rows: int = 1000) -> FlyteFile:
    return bad_train(rows=rows)


# --- good: environment and hardware tier pinned -----------------------------------------------

good_train = DominoJobTask(
    name="good_train",
    domino_job_config=DominoJobConfig(
        Command="PYTHONPATH=$PWD python scripts/train.py",
        EnvironmentName=TRAINING_ENVIRONMENT,
        HardwareTierName=TRAINING_TIER,
    ),
    inputs={"rows": int},
    outputs={"model": FlyteFile},
)


@workflow
def good_flow(rows: int = 1000) -> FlyteFile:
    return good_train(rows=rows)
