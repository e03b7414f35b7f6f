# ruff: noqa
# fmt: off
from flytekitplugins.domino.task import DominoJobConfig as OfficialConfig

from domino_flows import DominoJobConfig, Input, Output, run_domino_job_task

report = run_domino_job_task(
    flyte_task_name="report",
    command="python report.py",
    inputs=[Input(name="n", type=int, value=1, path="/mnt/data/n")],
    output_specs=[Output(name="out", type=int)],
    environment_name="Python 3.11",
    hardware_tier_name="Small",
)
config = DominoJobConfig(Command="python x.py", HardwareTierName="Small")
# the official plugin's own arguments are not the kit's business
official = OfficialConfig(Command="python x.py", SomethingNew=1)
