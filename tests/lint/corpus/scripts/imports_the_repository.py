# ruff: noqa
"""A stage script of the DF012 corpus: it imports `examples`, a folder at the repository root
that is not installed, so run as `python tests/lint/corpus/scripts/...` it cannot import it."""

from examples import hello
