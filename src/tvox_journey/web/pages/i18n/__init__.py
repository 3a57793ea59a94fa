"""The pages' text in Italian (the default) and English.

Every string a page shows comes from `it.py` / `en.py` by its key; `translator(lang)`
returns a function `_(key, **values)` that fills `{placeholders}`. A key
missing from a language falls back to Italian, then to the key itself (a test
keeps both languages complete).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from tvox_journey.web.pages.i18n import en, it

LANGUAGES = ("it", "en")
DEFAULT = "it"

CATALOG: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {"it": MappingProxyType(it.MESSAGES), "en": MappingProxyType(en.MESSAGES)}
)


def translator(lang: str) -> Callable[..., str]:
    """`_(key, **values)` in `lang` (Italian for an unknown language)."""
    messages = CATALOG.get(lang, CATALOG[DEFAULT])
    fallback = CATALOG[DEFAULT]

    def translate(key: str, **values: Any) -> str:
        text = messages.get(key) or fallback.get(key) or key
        return text.format(**values) if values else text

    return translate
