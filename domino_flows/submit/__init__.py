"""``domino-flows submit``: check a flow, resolve it for Domino Flows, and launch it.

- ``preflight``: the checks that refuse launches that would fail or lose reproducibility (lint,
  task kinds and configs, the serialized form, credentials); ``git_state``: the git checks.
- ``resolve``: environment and hardware tier names to ids through the domino backend.
- ``plan``: the serialized entities Domino Flows receives, the version, the readable plan and the
  ``--dry-run`` files.
- ``launch``: registration and execution through flytekit's ``FlyteRemote``; ``--wait``.
- ``command``: the click command.

Only ``command`` is imported by the command line; flytekit is imported inside functions.
"""
