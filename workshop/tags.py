"""Tag sets (kinds, perspectives, phases, organisation types) and session templates, read from data."""

import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
TAG_SETS = ("kinds", "perspectives", "phases", "organisation_types")


@cache
def tag_sets(name: str = "wijkkompas") -> dict:
    """Load a tag set file; every entry has a key and a label per language."""
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


@cache
def session_templates() -> dict:
    return json.loads((DATA / "session_templates.json").read_text(encoding="utf-8"))


def keys(kind: str) -> list[str]:
    return [entry["key"] for entry in tag_sets()[kind]]


def label(kind: str, key: str | None, language: str = "nl", short: bool = False) -> str:
    """The human label of a tag in a language; the key itself if unknown."""
    for entry in tag_sets()[kind]:
        if entry["key"] == key:
            return entry.get(f"short_{language}" if short else language) or entry[language]
    return key or ""


def labels(kind: str, language: str = "nl") -> list[dict]:
    """Entries of one tag set as {key, label, ...} for templates and JavaScript."""
    return [
        {
            **entry,
            "label": entry[language],
            "short": entry.get(f"short_{language}", entry[language]),
        }
        for entry in tag_sets()[kind]
    ]
