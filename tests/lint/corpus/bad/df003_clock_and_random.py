# ruff: noqa
# fmt: off
import random
import time
import uuid
from datetime import date, datetime

import numpy as np
from flytekit import workflow

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def step(n: int) -> int:
    return n


@workflow
def wf(seed: int = random.randint(0, 100)) -> int:  # expect: DF003
    stamp = datetime.now()  # expect: DF003
    day = date.today()  # expect: DF003
    run_id = str(uuid.uuid4())  # expect: DF003
    t0 = time.time()  # expect: DF003
    noise = np.random.rand()  # expect: DF003
    return step(n=seed)
