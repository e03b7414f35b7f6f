# ruff: noqa
# fmt: off
import os

import requests

from domino_flows import DominoJobConfig

API_KEY = "603d2f07ed65bbb3be5bdf97ef5f10074a555febabd1fd9d1bdf284ab7ec5d27"  # expect: DF006
headers = {"X-Domino-Api-Key": "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071"}  # expect: DF006
os.environ["DOMINO_USER_API_KEY"] = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"  # expect: DF006
config = DominoJobConfig(Command="python train.py", ApiKey="c2VjcmV0LWtleS1mb3ItZG9taW5vLWFwaQ==")  # expect: DF006
