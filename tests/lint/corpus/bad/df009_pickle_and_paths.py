# ruff: noqa
# fmt: off
import pickle
import shutil
from pathlib import Path

from domino_flows import domino_task


@domino_task(environment="Python 3.11", hardware_tier="Small")
def save_model(n: int) -> None:
    model = {"weights": [n]}
    with Path("model.pkl").open(mode="wb") as fh:  # expect: DF009
        pickle.dump(model, fh)


@domino_task(environment="Python 3.11", hardware_tier="Small")
def notes(text: str):
    Path("notes.md").write_text(text)  # expect: DF009


@domino_task(environment="Python 3.11", hardware_tier="Small")
def stash(path: str):
    shutil.copy(path, "backup.csv")  # expect: DF009
