"""Records: the run store (its file, tables and migrations), OpenLineage events and their
transports, and a run's collected artifacts.
"""
