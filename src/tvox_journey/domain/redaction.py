"""Erasure of a person's numbers (GDPR art. 17): which stored values are one of the numbers, and what
they become.

`NumberMatch` tells whether a text carries one of the numbers being erased, in any
format it may have been sent or typed in: `0452224600`, `+39 045 222 4600`,
`00390452224600`, `045/2224600`, `tel:+39-045-222-4600`, or inside free text
(a popup value "richiamare 045 2224600"). It works on the digits of each run of
a number-like text, without libphonenumber per value (an erasure reads the
whole event log): a run is the number when its digits are the number's national
significant number, preceded by nothing, the national prefix `0`, the country
code, or `00` and the country code. A longer run that merely contains those
digits is another number and is left alone. A number that is no public phone
number (an extension, a SIP name) matches only a value that is exactly it.

A value found is replaced by `ERASED`; a row that belongs to the person whole
(one of their calls, a refused request that carried their number) has every
value replaced.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from tvox_journey.domain.numbers import normalize_number

ERASED = "[erased]"  # what an erased value reads as, in the database (pages translate nothing stored)

# A number-like run: an optional +, then digits with the separators people and RFC 3966 write.
_RUN = re.compile(r"\+?\d[\d\s().\-/]*")
_NOT_DIGIT = re.compile(r"\D")
# Between two digits of a number in stored text: a run's separators, also as JSON escapes them.
_HINT_SEPARATORS = r"(?:[\s().\-/]|\\[a-z]|\\u[0-9a-fA-F]{4})*"
MIN_SIGNIFICANT_DIGITS = 6  # shorter national numbers would match by chance: exact values only


@dataclass(frozen=True)
class NumberMatch:
    """Does a text carry one of these number keys (as `normalize_number` makes them)?"""

    keys: frozenset[str]
    region: str = "IT"
    _forms: frozenset[str] = field(default=frozenset(), repr=False)  # digit strings a run may be
    _exact: frozenset[str] = field(default=frozenset(), repr=False)  # keys matched only whole
    _hint: re.Pattern[str] | None = field(default=None, repr=False)  # see `may_carry`

    @classmethod
    def of(cls, keys: Iterable[str], region: str = "IT") -> NumberMatch:
        forms: set[str] = set()
        exact: set[str] = set()
        hints: list[str] = []
        for key in keys:
            parsed = _parse(key)
            significant = phonenumbers.national_significant_number(parsed) if parsed else ""
            if parsed is None or len(significant) < MIN_SIGNIFICANT_DIGITS:
                exact.add(key)
                continue
            code = str(parsed.country_code)
            forms |= {significant, "0" + significant, code + significant, "00" + code + significant}
            hints.append(_HINT_SEPARATORS.join(significant))
        for key in exact:  # stored JSON escapes what is not ASCII: such a key is looked for in every row
            hints.append(r"[^0-9a-z]{0,3}".join(map(re.escape, key.lstrip("+"))) if key.isascii() else "")
        hint = re.compile("|".join(hints), re.IGNORECASE) if hints else None
        return cls(frozenset(keys), region, frozenset(forms), frozenset(exact), hint)

    def may_carry(self, text: str) -> bool:
        """A quick first look at a row's whole stored text (its JSON included): False only when no value
        in it can carry a number (its digits in order, with only a run's separators between them, are
        not there). Reading the whole event log this way decodes only the rows that may."""
        return self._hint is not None and self._hint.search(text) is not None

    def __bool__(self) -> bool:
        return bool(self.keys)

    def __call__(self, text: object) -> bool:
        """True when `text` (a value as stored: any type) carries one of the numbers."""
        if not isinstance(text, str) or not text:
            return False
        if self._forms and any(self._run_is_number(run) for run in _RUN.findall(text)):
            return True
        if self._exact and len(text) <= 64:
            number = normalize_number(text, self.region)
            if number is not None and number.key in self._exact:
                return True
        return False

    def _run_is_number(self, run: str) -> bool:
        """Whether some words in a row of the run are the number ("045 2224600 2 volte": the first two)."""
        words = [_NOT_DIGIT.sub("", word) for word in run.split()]
        longest = max(len(form) for form in self._forms)
        for start in range(len(words)):
            digits = ""
            for word in words[start:]:
                digits += word
                if digits in self._forms:
                    return True
                if len(digits) > longest:
                    break
        return False


def _parse(key: str) -> phonenumbers.PhoneNumber | None:
    if not key.startswith("+"):
        return None
    try:
        return phonenumbers.parse(key, None)
    except phonenumbers.NumberParseException:
        return None


def redact_pairs(
    pairs: Sequence[Sequence[Any]], match: Callable[[object], bool], *, whole: bool
) -> list[list[str]]:
    """Parameters as stored ([name, value] pairs): every value (`whole`) or the values that carry a
    number become ERASED; a name that carries one too (a request can send anything as a name)."""
    redacted = []
    for pair in pairs:
        if len(pair) != 2:
            redacted.append([ERASED, ERASED])
            continue
        name, value = str(pair[0]), str(pair[1])
        redacted.append([ERASED if match(name) else name, ERASED if whole or match(value) else value])
    return redacted


def pairs_carry(pairs: object, match: Callable[[object], bool]) -> bool:
    """Whether stored parameters carry a number, in a name or a value."""
    if not isinstance(pairs, list):
        return False
    return any(match(part) for pair in pairs if isinstance(pair, list) for part in pair)


# The fields of a stored event or interaction (store/codec.py) that hold what TVox said about the
# caller; the call id, times, types, agents and services are the contact center's own.
PERSONAL_FIELDS = (
    "number", "called_number", "caller_name", "caller_surname", "caller_company",
    "campaign_id", "list_id", "abandoned_call_id", "channel", "raw_event",
)  # fmt: skip


def redact_json(data: object, match: Callable[[object], bool]) -> tuple[Any, bool]:
    """A stored event or interaction with the personal fields and popup values that carry a number
    replaced by ERASED; and whether anything was."""
    if not isinstance(data, dict):
        return data, False
    changed = False
    result = dict(data)
    for name in PERSONAL_FIELDS:
        if match(result.get(name)):
            result[name] = ERASED
            changed = True
    popups = result.get("popups")
    if isinstance(popups, list) and pairs_carry(popups, match):
        result["popups"] = redact_pairs(popups, match, whole=False)
        changed = True
    return result, changed
