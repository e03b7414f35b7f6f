# ruff: noqa
# fmt: off
import matplotlib.pyplot as plt
import pandas as pd

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def export(rows: int):
    df = pd.DataFrame({"x": range(rows)})
    df.to_csv("out.csv")  # expect: DF009


@domino_task(environment="Python 3.11", hardware_tier="Small")
def plot(n: int) -> None:
    fig, ax = plt.subplots()
    with open("notes.txt", "w") as fh:  # expect: DF009
        fh.write("x")
    fig.savefig("plot.png")
