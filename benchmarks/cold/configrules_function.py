"""Cold start, configrules: the FC handler for one rule, by import path.

Run as a fresh process: import the handler, handle one change event from
stdin, submit to the emulator named in CONFIGRULES_ENDPOINT.
"""

import time

started = time.perf_counter()

import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402

from configrules.fc import handler  # noqa: E402

imported = time.perf_counter()
summary = handler(sys.stdin.buffer.read(), None)
handled = time.perf_counter()
assert summary["evaluations"] == 1, summary
print(
    json.dumps(
        {
            "import_ms": (imported - started) * 1000,
            "handle_ms": (handled - imported) * 1000,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )
)
