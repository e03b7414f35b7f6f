# ruff: noqa
# fmt: off
import domino_flows as df

nightly = df.DominoJobTask(
    name="nightly",
    domino_job_config=df.DominoJobConfig(Command="python nightly.py"),
    use_latest=True,  # expect: DF007
)
scoring = df.run_domino_job_task(
    flyte_task_name="score",
    command="python score.py",
    use_project_defaults_for_omitted=True,  # expect: DF007
)
