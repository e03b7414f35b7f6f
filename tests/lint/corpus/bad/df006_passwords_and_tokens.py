# ruff: noqa
# fmt: off
import os

import requests


def connect(host: str, password: str) -> None:
    pass


connect("db.internal", password="hunter2!")  # expect: DF006
token: str = "d41d8cd98f00b204e9800998ecf8427e"  # expect: DF006
auth = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"}  # expect: DF006
os.environ.setdefault("MLFLOW_TRACKING_TOKEN", "s3cr3t-t0k3n-value")  # expect: DF006
aws = ["AKIA2OGYBAH6QZ4XKN7M"]  # expect: DF006
