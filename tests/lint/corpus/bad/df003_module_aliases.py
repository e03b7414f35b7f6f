# ruff: noqa
# fmt: off
import datetime as dt
import os
import secrets
from random import choice

import flytekit

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def step(tag: str) -> str:
    return tag


@flytekit.workflow
def wf() -> str:
    when = dt.datetime.utcnow().isoformat()  # expect: DF003
    salt = secrets.token_hex(8)  # expect: DF003
    color = choice(["red", "blue"])  # expect: DF003
    raw = os.urandom(4)  # expect: DF003
    return step(tag=color)
