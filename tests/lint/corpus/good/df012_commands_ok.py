# ruff: noqa
# fmt: off
from domino_flows import DominoJobConfig, DominoJobTask, run_domino_job_task

a = DominoJobConfig(Command="PYTHONPATH=/mnt/code python -m pipeline.train --epochs 3")
b = DominoJobConfig(Command="python -m domino_flows.job run")
c = DominoJobConfig(Command="python train.py")
d = DominoJobConfig(Command="python /mnt/code/train.py")
e = DominoJobConfig(Command="Rscript models/fit.R")
f = run_domino_job_task(flyte_task_name="serve", command="python -m http.server 8000")
