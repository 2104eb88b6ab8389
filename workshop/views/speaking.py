"""The words of the consent question, the same on the phone's question, its profile and the console."""

from flask_babel import gettext as _

from ..domain.consent import LEVELS


def consent_choices() -> list[dict]:
    """Each consent level as the phone asks it: a label, one plain line, the badge on a post."""
    words = {
        "name": (
            _("With my name"),
            _("Your name, role, organisation and place may appear with your posts in the report."),
            _("Report: with name"),
        ),
        "organisation": (
            _("With my organisation only"),
            _("Your organisation and place, never your name."),
            _("Report: organisation only"),
        ),
        "anonymous": (
            _("Anonymously"),
            _("As “a participant”, with the kind of organisation you work for."),
            _("Report: anonymous"),
        ),
        "room": (
            _("Only in this room"),
            _("Seen on the screen today, never in the report or on any page."),
            _("Only in this room"),
        ),
    }
    return [
        {"key": key, "label": words[key][0], "help": words[key][1], "badge": words[key][2]}
        for key in LEVELS
    ]


def consent_badges(choices: list[dict]) -> dict:
    """{level: badge} for static/js/cards.js."""
    return {choice["key"]: choice["badge"] for choice in choices}


def consent_labels(choices: list[dict]) -> dict:
    return {choice["key"]: choice["label"] for choice in choices}
