# ruff: noqa
# fmt: off
import domino_flows as df

out = df.run_domino_job_task(
    flyte_task_name="eval",
    command="python eval.py",
    cache=True,  # expect: DF014
    cache_version="",
)
other = df.run_domino_job_task(flyte_task_name="other", command="python other.py", cache=True)  # expect: DF014
