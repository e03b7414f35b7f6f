# ruff: noqa
# fmt: off
# domino-flows: production
import domino_flows as df

nightly = df.DominoJobTask(
    name="nightly",
    domino_job_config=df.DominoJobConfig(Command="python nightly.py", EnvironmentName="Base"),
)
