# ruff: noqa
# fmt: off
import os

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def train(epochs: int) -> int:
    if os.environ.get("FAST_MODE"):  # expect: DF011
        epochs = 1
    mode = os.getenv("MODE", "dev")
    if mode == "prod":  # expect: DF011
        epochs *= 2
    lr = 0.1 if "LR_BOOST" in os.environ else 0.01  # expect: DF011
    return epochs
