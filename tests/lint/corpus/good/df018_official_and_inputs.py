# ruff: noqa
# fmt: off
from flytekitplugins.domino.helpers import Output as OfficialOutput

from domino_flows import DominoJobConfig, DominoJobTask, Input, run_domino_job_task

# inputs may be lists and dicts; only outputs are files in /workflow/outputs
task = DominoJobTask(
    name="t",
    domino_job_config=DominoJobConfig(Command="python t.py"),
    inputs={"rows": list[int], "settings": dict[str, str]},
    outputs={"n": int},
)
step = run_domino_job_task("step", "python step.py", inputs=[Input("xs", list[int], [1, 2])])
# not the kit's: the official plugin decides for itself
official = OfficialOutput(name="x", type=dict)
