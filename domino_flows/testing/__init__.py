"""Testing helpers: a fake Domino deployment on loopback and pytest fixtures around it.

    # conftest.py
    pytest_plugins = ["domino_flows.testing.fixtures"]

    def test_my_flow_on_domino(domino_env, tmp_path):
        domino_env.add_tree(PROJECT_ROOT)          # your code, as Domino would have it
        ...                                         # run the flow with the domino backend

The fake speaks the part of Domino's REST API the domino backend uses (see
:mod:`domino_flows.testing.fake_domino`), runs each job as a local subprocess and lets tests
inject faults.
"""

from domino_flows.testing.fake_domino import (
    DEFAULT_API_KEY,
    DEFAULT_ENVIRONMENTS,
    DEFAULT_HARDWARE_TIERS,
    FakeDomino,
    FakeJob,
)
from domino_flows.testing.fake_domino_http import Fault

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_ENVIRONMENTS",
    "DEFAULT_HARDWARE_TIERS",
    "FakeDomino",
    "FakeJob",
    "Fault",
]
