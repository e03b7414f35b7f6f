# ruff: noqa
# fmt: off
import os

from domino_flows import DominoJobConfig, GitRef

API_KEY = os.environ["DOMINO_USER_API_KEY"]
API_KEY_ENV = "DOMINO_USER_API_KEY"
token_url = "https://example.com/oauth/token"
password = ""
secret_name = "prod-db-password"
headers = {"X-Domino-Api-Key": os.environ.get("DOMINO_USER_API_KEY", "")}
config = DominoJobConfig(Command="python train.py", ApiKey=os.environ["DOMINO_USER_API_KEY"])
