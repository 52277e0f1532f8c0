"""waiting: the polling wait the Python test drivers share (tests/load, tests/cleanup)."""

import time


def wait_for(cond, timeout, step=0.1):
    """cond()'s first true value within timeout seconds, polled every step; else None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(step)
    return None
