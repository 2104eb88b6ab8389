"""Break points in long words, from pyphen's bundled LibreOffice hyphenation dictionaries.

The wall breaks a compound such as "Renovatieaanbod" as "Renovatie-aanbod" where it must, never at
whichever letter reaches the edge. Browsers only hyphenate by themselves where they ship a
dictionary for the language (headless Chromium on Linux has none), so the soft hyphens come along.
"""

from functools import cache

import pyphen

SOFT_HYPHEN = "\u00ad"
DICTIONARIES = {"nl": "nl_NL", "en": "en_GB"}
LONG = 11  # shorter words fit any wall column


@cache
def dictionary(language: str) -> pyphen.Pyphen:
    return pyphen.Pyphen(lang=DICTIONARIES.get(language, "nl_NL"))


def soft_hyphens(text: str, language: str) -> str:
    """The text with soft hyphens at the break points of its words of 11 letters or more."""
    return " ".join(
        dictionary(language).inserted(word, hyphen=SOFT_HYPHEN) if len(word) >= LONG else word
        for word in text.split(" ")
    )
