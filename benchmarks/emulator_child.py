"""An emulator in its own process, as the real endpoint is: its work never
competes with the measured client for the client's GIL.

Usage: ``python emulator_child.py LATENCY_SECONDS``. Prints the endpoint on
one line, then serves until its standard input is closed.
"""

from __future__ import annotations

import sys

from configrules.emulator import ConfigEmulator

CREDENTIALS = {"benchid": "benchsecret"}


def main() -> None:
    latency = float(sys.argv[1]) if len(sys.argv) > 1 else 0.0
    with ConfigEmulator(CREDENTIALS) as emulator:
        if latency:
            emulator.faults.latency(latency, action="PutEvaluations")
        print(emulator.endpoint, flush=True)
        sys.stdin.read()  # the parent closes stdin to stop us


if __name__ == "__main__":
    main()
