"""Consent to be quoted: the four levels, which one a post follows, and the one attribution line.

Every export, report and page asks this module how to name the speaker of an insight, so a
choice made on the phone is honoured the same way in CSV, XLSX, JSON, Markdown, Word and on the
published page. The wording is documented in docs/HARVEST.md.
"""

from ..errors import Invalid
from ..models import Insight, Participant, QuoteConsent
from .fields import text_field

LEVELS = tuple(level.value for level in QuoteConsent)  # most open first
DEFAULT = QuoteConsent.ANONYMOUS.value
ROOM = QuoteConsent.ROOM.value
# How much a level may show, to compare two of them ("room" shows nothing outside the room).
OPENNESS = {level: len(LEVELS) - 1 - number for number, level in enumerate(LEVELS)}
SPEAKER_LIMITS = {"organisation": 120, "role": 80, "place": 80}
PARTICIPANT = {"nl": "een deelnemer", "en": "a participant"}
# An organisation type that says nothing about the speaker is left out of the attribution.
UNSAID_TYPES = ("other",)


def consent_field(data: dict, name: str = "quote_consent") -> str | None:
    """A consent level from a request body, or None when it was not given."""
    value = data.get(name)
    if value is None or value == "":
        return None
    if value not in LEVELS:
        raise Invalid(
            f"Unknown {name} {value!r}; use one of {', '.join(LEVELS)}.",
            field=name,
            allowed=list(LEVELS),
        )
    return value


def speaker_fields(data: dict) -> dict:
    """The "who is speaking" fields present in a request body, checked (too long: 422)."""
    return {
        name: text_field(data, name, max_length=limit, required=False) or ""
        for name, limit in SPEAKER_LIMITS.items()
        if name in data
    }


def effective_consent(insight: Insight) -> str:
    """The level an insight is quoted by: its own choice, else its author's, else "anonymous"."""
    return insight.consent_level


def stricter(first: str, second: str) -> str:
    """The level that shows less of the two."""
    return first if OPENNESS[first] <= OPENNESS[second] else second


def quotable(insight: Insight) -> bool:
    """Whether a document may quote this insight (public and not "room"); `Insight.quotable` in SQL."""
    return bool(insight.quotable)


def type_label(participant: Participant | None, language: str, tag_set) -> str:
    key = participant.organisation_type if participant is not None else None
    if not key or key in UNSAID_TYPES:
        return ""
    label = tag_set.label("organisation_types", key, language)
    if len(label) < 2:
        return label
    # "Gemeente" reads "gemeente" inside a sentence; a label with capitals further on ("Vereniging
    # van Eigenaars (VvE)") is a name and stays as it is.
    return label[0].lower() + label[1:] if label[1:] == label[1:].lower() else label


def attribution(
    who: Insight | Participant | None, consent: str, language: str, tag_set
) -> str | None:
    """How a document names the speaker at this consent level; None for "room" (not at all).

    - "name": "Tijs van Gisbergen, projectleider, gemeente Tilburg, Tilburg" (what was given;
      the organisation type where no organisation was typed: "Joost, gemeente")
    - "organisation": "gemeente Tilburg (Tilburg)": organisation and place, never a name or role
    - "anonymous": "een deelnemer (gemeente)" / "a participant (municipality)"
    A post made "without my name" never shows the name, whatever the level. A level with nothing
    to show falls back to the next one down, ending at "een deelnemer".
    """
    if consent == ROOM or consent not in LEVELS:
        return None
    named = True
    participant = who
    if isinstance(who, Insight):
        participant, named = who.participant, not who.anonymous
    if participant is None:
        return PARTICIPANT[language]
    organisation = (participant.organisation or "").strip()
    place = (participant.place or "").strip()
    if consent == QuoteConsent.NAME:
        name = (participant.name or "").strip() if named else ""
        role = (participant.role or "").strip()
        if name or role or organisation:  # else no speaker to name: fall back below
            parts = [
                name,
                role,
                organisation or type_label(participant, language, tag_set),
                place if place.casefold() != organisation.casefold() else "",
            ]
            return ", ".join(part for part in parts if part)
    if consent in (QuoteConsent.NAME, QuoteConsent.ORGANISATION) and organisation:
        return (
            f"{organisation} ({place})"
            if place and place.casefold() != organisation.casefold()
            else organisation
        )
    who_label = PARTICIPANT[language]
    kind = type_label(participant, language, tag_set)
    details = [kind] if kind else []
    if consent in (QuoteConsent.NAME, QuoteConsent.ORGANISATION) and place:
        details.append(place)
    return f"{who_label} ({', '.join(details)})" if details else who_label


def speaker(who: Insight | Participant | None, consent: str) -> dict:
    """The speaker's fields a document may show at this level (empty strings where it may not)."""
    participant = who.participant if isinstance(who, Insight) else who
    named = not who.anonymous if isinstance(who, Insight) else True
    shown = {"name": "", "organisation": "", "role": "", "place": ""}
    if participant is None or consent == ROOM:
        return shown
    if consent == QuoteConsent.NAME:
        shown |= {
            "name": participant.name if named else "",
            "role": participant.role or "",
        }
    if consent in (QuoteConsent.NAME, QuoteConsent.ORGANISATION):
        shown |= {"organisation": participant.organisation or "", "place": participant.place or ""}
    return shown
