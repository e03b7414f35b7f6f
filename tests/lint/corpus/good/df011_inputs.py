# ruff: noqa
# fmt: off
import os

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def train(epochs: int, fast: bool = False) -> int:
    api_key = os.environ["DOMINO_USER_API_KEY"]
    if fast:
        epochs = 1
    return epochs + len(api_key)
