# ruff: noqa
# fmt: off
from domino_flows import DominoJobConfig, run_domino_job_task

adsl = DominoJobConfig(Command="prod/adam/adsl.sas")
prep = run_domino_job_task("prep", "scripts/prep_data.py --rows 10")
model = run_domino_job_task("model", "analysis/model.R")
eda = run_domino_job_task("eda", "notebooks/eda.ipynb")
shell = run_domino_job_task("shell", "run.sh")
