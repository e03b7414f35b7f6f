# ruff: noqa
# fmt: off
from domino_flows import DominoJobConfig, DominoJobTask

CMD = "cd /mnt/code && python3 scripts/report.py"
DAY = "2024-01-01"

report = DominoJobTask(
    name="report",
    domino_job_config=DominoJobConfig(Command=CMD),  # expect: DF012
)
daily = DominoJobTask(
    name="daily",
    domino_job_config=DominoJobConfig(Command=f"python -u jobs/run.py --date {DAY}"),  # expect: DF012
)
