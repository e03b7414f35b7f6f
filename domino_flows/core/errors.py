"""Typed errors. Each says what was wrong, where, and what to do about it.

This module is standard-library only: the CLI and the in-job helpers import it without flytekit.
"""

from __future__ import annotations


class DominoFlowsError(Exception):
    """Base class of every error domino-flows raises on purpose."""


class TaskDefinitionError(DominoFlowsError, ValueError):
    """A task, its job config or its interface is invalid. Raised when the task is defined."""


class ContractError(DominoFlowsError):
    """A value cannot be written to, or read from, the job I/O contract's files."""


class TaskFailedError(DominoFlowsError):
    """A job ran and failed: a non-zero exit, an ``_ERROR`` file or a missing output."""


class ConfigurationError(DominoFlowsError):
    """Project or backend configuration is missing or wrong."""


class RunStoreError(DominoFlowsError):
    """The run store (``.domino-flows/runs.sqlite``) cannot be read or written."""
