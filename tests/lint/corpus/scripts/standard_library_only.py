# ruff: noqa
"""A stage script of the DF012 corpus as Domino's docs write one: standard library only."""

import json

with open("/workflow/inputs/rows") as handle:
    rows = json.load(handle)
