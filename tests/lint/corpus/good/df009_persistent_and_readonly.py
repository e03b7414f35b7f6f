# ruff: noqa
# fmt: off
import pandas as pd

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def publish(rows: int):
    df = pd.DataFrame({"x": range(rows)})
    df.to_parquet("/domino/datasets/local/sales/sales.parquet")
    with open(f"/mnt/data/sales/{rows}.txt", "w") as fh:
        fh.write(df.to_csv())


@domino_task(environment="Python 3.11", hardware_tier="Small")
def peek(path: str):
    with open(path, "r") as fh:
        print(fh.readline())
