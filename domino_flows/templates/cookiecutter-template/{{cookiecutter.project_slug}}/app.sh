#!/usr/bin/env bash
# A Domino App that shows this project's runs: their graphs, task logs, artifacts and lineage.
# Publish it from Domino's Apps page with app.sh as the file to run; Domino serves what listens on
# 0.0.0.0:8888. The pages need the kit's ui extra in the App's environment:
#   pip install "domino-flows[ui]"
# (without it, `domino-flows ui` says so and exits). Locally: `domino-flows ui`, then
# http://localhost:8888/.
set -euo pipefail
cd "$(dirname "$0")"
exec domino-flows ui --host 0.0.0.0 --port 8888
