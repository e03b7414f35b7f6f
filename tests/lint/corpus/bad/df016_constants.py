# ruff: noqa
# fmt: off
from domino_flows import DominoJobConfig, run_domino_job_task

COMMAND = "export/publish.xlsx"
publish = DominoJobConfig(Command=COMMAND)  # expect: DF016
report = run_domino_job_task(
    flyte_task_name="report",
    command="report.docx quarterly",  # expect: DF016
)
