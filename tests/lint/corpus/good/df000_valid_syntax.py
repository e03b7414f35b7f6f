# ruff: noqa
# fmt: off
from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def greet(name: str) -> str:
    return f"hello {name}"
