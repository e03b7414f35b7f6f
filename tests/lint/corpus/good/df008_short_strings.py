# ruff: noqa
# fmt: off
import json

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def status(code: int) -> str:
    text = "ok" if code == 0 else "failed"
    return text


@domino_task(environment="Python 3.11", hardware_tier="Small")
def count(payload: str) -> int:
    return len(json.loads(payload))
