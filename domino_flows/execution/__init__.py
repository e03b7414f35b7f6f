"""The execution core: the one lifecycle of a run and of a task attempt.

``domino-flows run``/``resume`` (``runner/``) and flytekit's ``domino_job`` connector
(``connector.py``) both drive it, so how an attempt is resolved, staged, started, collected,
recorded and explained when it fails is written once:

- ``custom_keys`` (authoring layer) reads a task template's ``custom`` into a job spec's parts;
- :mod:`.attempt` starts and finishes one attempt on a backend and records both ends;
- :mod:`.session` owns a run: its id, attempt numbers, open attempts and run-level lineage.
"""
