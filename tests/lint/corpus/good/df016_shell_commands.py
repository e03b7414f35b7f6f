# ruff: noqa
# fmt: off
from domino_flows import DominoJobConfig, run_domino_job_task

named = DominoJobConfig(Command="bash tools/build.bat")
python = run_domino_job_task("py", "python3.11 -m pkg.main")
env = run_domino_job_task("env", "PYTHONPATH=/mnt/code python scripts/x.py")
chained = run_domino_job_task("chain", "cd src && make all")
