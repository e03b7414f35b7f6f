# ruff: noqa
# fmt: off
from domino_flows import DominoJobConfig, DominoJobTask, Output, run_domino_job_task

export = DominoJobTask(
    name="export",
    domino_job_config=DominoJobConfig(Command="python export.py"),
    outputs={"csv": str, "count": int},  # expect: DF008
)
summary = run_domino_job_task(
    flyte_task_name="summarize",
    command="python summarize.py",
    output_specs=[Output(name="records_json", type=str)],  # expect: DF008
)
