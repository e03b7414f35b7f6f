# ruff: noqa
# fmt: off
from domino_flows import domino_task

CONFIG = {"lr": 0.1}
REGISTRY = set()


@domino_task(environment="Python 3.11", hardware_tier="Small")
def tune(lr: float) -> float:
    CONFIG.update({"lr": lr})  # expect: DF010
    REGISTRY.add("tune")  # expect: DF010
    del CONFIG["lr"]  # expect: DF010
    return lr
