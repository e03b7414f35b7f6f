"""``domino-flows run``: executes a compiled workflow concurrently over a job backend.

``graph`` reads the workflow flytekit compiled; ``engine`` schedules its nodes as soon as their
inputs are ready; ``cache`` and ``state`` persist results in the run store; ``progress`` shows what
happens; ``commands`` is the command line around them.
"""
