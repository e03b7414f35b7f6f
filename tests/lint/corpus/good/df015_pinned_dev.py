# ruff: noqa
# fmt: off
from domino_flows import DominoJobConfig, DominoJobTask

train = DominoJobTask(
    name="train",
    domino_job_config=DominoJobConfig(Command="python train.py", EnvironmentName="GPU env"),
    use_latest=False,
)
