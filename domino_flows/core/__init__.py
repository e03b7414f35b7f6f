"""Core utilities: settings, git, time and run ids, credentials and redaction, project root and
state paths, errors, and how a process of the kit ends.

Standard library only; every other layer may import them.
"""
