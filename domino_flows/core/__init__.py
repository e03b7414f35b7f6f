"""Core utilities: settings, git, time and run ids, credentials and redaction, project root and
state paths, errors.

Standard library only; every other layer may import them.
"""
