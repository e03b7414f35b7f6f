# ruff: noqa
# fmt: off
from domino_flows import DominoJobConfig, DominoJobTask, domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small", cache=True)  # expect: DF014
def prepare(rows: int) -> int:
    return rows


train = DominoJobTask(
    name="train",
    domino_job_config=DominoJobConfig(Command="python train.py"),
    cache=True,  # expect: DF014
)
