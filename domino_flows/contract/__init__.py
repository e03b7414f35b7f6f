"""The job I/O contract: typed values to and from a job's input and output files, their text
formats, how Domino runs a script, external data volumes and NetApp snapshots.
"""
