# ruff: noqa
# fmt: off
from domino_flows import DominoJobConfig, run_domino_job_task

build = DominoJobConfig(Command="tools/build.bat --fast")  # expect: DF016
notes = run_domino_job_task("notes", "notes/summary.txt")  # expect: DF016
