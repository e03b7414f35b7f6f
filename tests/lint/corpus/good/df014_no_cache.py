# ruff: noqa
# fmt: off
import domino_flows as df

out = df.run_domino_job_task(flyte_task_name="eval", command="python eval.py", cache=False)
other = df.run_domino_job_task(flyte_task_name="other", command="python other.py")
