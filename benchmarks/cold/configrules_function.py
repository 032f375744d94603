"""Cold start, configrules: the FC handler for one rule, by import path.

Run as a fresh process: import the handler, handle one change event from
stdin, submit to the emulator named in CONFIGRULES_ENDPOINT.
"""

import time

started = time.perf_counter()

import json  # noqa: E402
import sys  # noqa: E402

from configrules.fc import handler  # noqa: E402

imported = time.perf_counter()
summary = handler(sys.stdin.buffer.read(), None)
handled = time.perf_counter()


def peak_rss_mb():
    # VmHWM starts afresh at exec; ru_maxrss would include the forking parent.
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


assert summary["evaluations"] == 1, summary
print(
    json.dumps(
        {
            "import_ms": (imported - started) * 1000,
            "handle_ms": (handled - imported) * 1000,
            "peak_rss_mb": peak_rss_mb(),
        }
    )
)
