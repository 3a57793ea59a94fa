"""Parse errors.

InvalidEvent    a required variable is missing or unparsable (reply 422)
"""

from __future__ import annotations


class InvalidEvent(Exception):
    """A notification that cannot become a CallEvent, naming the variable at fault."""

    def __init__(self, variable: str, reason: str) -> None:
        super().__init__(f"{variable}: {reason}")
        self.variable = variable
        self.reason = reason
