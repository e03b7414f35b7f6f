# ruff: noqa
# fmt: off
import domino_flows as df

step = df.run_domino_job_task("step", "python step.py", requests="2Gi")  # expect: DF017


@df.domino_task(envirnoment="Python 3.11")  # expect: DF017
def double(x: int) -> int:
    return 2 * x
