"""Authoring: what flows import (the job config, task types, the decorator, the helper, fan-out,
artifacts, export), how a task call's outputs are read, and loading and serializing flows.
"""
