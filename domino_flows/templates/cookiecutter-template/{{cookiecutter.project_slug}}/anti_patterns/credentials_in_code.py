"""Anti-pattern: a credential written in the code.

Why it hurts: flow code is committed, synced into every job's /mnt/code and kept in job
snapshots. A key written there can be read by everyone with access to the project, for as long
as the history exists. (The key below is made up; a real one looks just the same.)

Fix: read it at run time. Domino sets ``DOMINO_USER_API_KEY`` in every job; other secrets belong
in Domino user or project environment variables. Remove the literal and revoke the exposed key.

domino-flows lint: DF006 (hardcoded-credential).
"""

import os
import urllib.request

from domino_flows import domino_task

ENVIRONMENT = "{{ cookiecutter.default_environment }}"
TIER = "{{ cookiecutter.default_hardware_tier }}"

# --- bad: the key is in the source ------------------------------------------------------------

API_KEY = "not-a-real-key-8c2f41d9e07b5a63"


@domino_task(environment=ENVIRONMENT, hardware_tier=TIER)
def bad_project_request(host: str, project_id: str) -> str:
    request = urllib.request.Request(
        f"{host}/v4/projects/{project_id}", headers={"X-Domino-Api-Key": API_KEY}
    )
    return request.full_url


# --- good: the key comes from the job's environment -------------------------------------------


@domino_task(environment=ENVIRONMENT, hardware_tier=TIER)
def good_project_request(host: str, project_id: str) -> str:
    request = urllib.request.Request(
        f"{host}/v4/projects/{project_id}",
        headers={"X-Domino-Api-Key": os.environ["DOMINO_USER_API_KEY"]},
    )
    return request.full_url
