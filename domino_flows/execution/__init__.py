"""The execution core: the one lifecycle of a run and of a task attempt.

``domino-flows run``/``resume`` (``runner/``) and flytekit's ``domino_job`` connector
(``connector.py``) both drive it, so how an attempt is resolved, staged, started, collected,
recorded and explained when it fails is written once:

- ``DominoJobConfig.from_custom`` (authoring layer) reads a task template's ``custom`` into the
  job spec's one settings value;
- :mod:`.attempt` starts and finishes one attempt on a backend and records both ends;
- :mod:`.session` owns a run: its id, attempt numbers, open attempts and run-level lineage.
"""
