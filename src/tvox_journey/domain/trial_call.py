"""Test calls: the calls the /setup page plays through this server's own webhooks, marked as tests.

TVox's call ids end with `@<host id>` (a hex string, e.g. `1605867847.783@d92061befe`); a test call's
id ends with `TRIAL_CALL_SUFFIX` instead, which no TVox sends. Its number is `TRIAL_NUMBER`: country code
0 belongs to no country, so no real caller has it. The setup checklist skips rows of test calls, and
the test call's interactions are hidden from every journey, board and list, then removed with their
event log rows (web/pages/setup_trial.py, store/trial_calls.py).
"""

from __future__ import annotations

TRIAL_HOST = "tvox-journey-test"
TRIAL_CALL_SUFFIX = "@" + TRIAL_HOST
TRIAL_NUMBER = "+0000000000"
TRIAL_AGENT = "tvox-journey-test"
TRIAL_TARGET = "tvox-journey-test-2"
TRIAL_SERVICE = "tvox-journey-test"


def trial_call_id(epoch_seconds: int, sequence: int) -> str:
    """A test call's id, shaped as TVox's: `<epoch seconds>.<sequence>@tvox-journey-test`."""
    return f"{epoch_seconds}.{sequence}{TRIAL_CALL_SUFFIX}"


def is_trial_call(call_id: str | None) -> bool:
    """True for the id of a test call."""
    return call_id is not None and call_id.endswith(TRIAL_CALL_SUFFIX)
