# ruff: noqa
# fmt: off
import json
import pickle
from typing import NamedTuple, Tuple

import pandas as pd

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def load(rows: int) -> str:  # expect: DF008
    df = pd.DataFrame({"x": range(rows)})
    return df.to_csv()


@domino_task(environment="Python 3.11", hardware_tier="Small")
def dump(n: int) -> bytes:  # expect: DF008
    payload = pickle.dumps(list(range(n)))
    return payload


class Split(NamedTuple):
    data: str
    rows: int


@domino_task(environment="Python 3.11", hardware_tier="Small")
def split(n: int) -> Split:  # expect: DF008
    return Split(data="a,b", rows=n)


@domino_task(environment="Python 3.11", hardware_tier="Small")
def pair(n: int) -> Tuple[str, int]:  # expect: DF008
    return json.dumps({"n": n}), n
