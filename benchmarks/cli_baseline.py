"""Baseline of bench_cli: what a team without configrules writes to check an export.

Read the JSON Lines file line by line, evaluate each item with the
samples-style hand loop, print each evaluation as a JSON line.
"""

import json
import sys

from _handwritten import hand_evaluate

with open(sys.argv[1], "rb") as export:
    write = sys.stdout.write
    for line in export:
        if line.strip():
            write(json.dumps(hand_evaluate(json.loads(line))) + "\n")
