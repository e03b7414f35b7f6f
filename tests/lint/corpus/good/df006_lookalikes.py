# ruff: noqa
# fmt: off
from domino_flows import domino_task

api_key = "<your-api-key>"
tokenizer = "bert-base-uncased"
max_tokens = 512
pad_token = "<pad>"
cache_version = "603d2f07ed65bbb3be5bdf97ef5f10074a555febabd1fd9d1bdf284ab7ec5d27"
commit = "9fceb02d0ae598e95dc970b74767f19372d61af8"
token_path = "/var/run/secrets/token"
DEFAULT_API_KEY = "fake-domino-api-key-0123456789abcdef"
CANARY = "sk-UNIT-TEST-CANARY-0042"


@domino_task(environment="Python 3.11", hardware_tier="Small")
def login(user: str, password: str) -> str:
    return user
