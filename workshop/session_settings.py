"""The settings of a session, as one table: name, type, default, allowed values and nl/en label.

The domain validates with it, models take their defaults from it, the OpenAPI document's
Settings schema must equal `schema()` (tests/test_openapi.py), and the console renders its
toggles, the wall view picker and the view switcher from it (labels, choices and defaults).
"""

from dataclasses import dataclass, field

from .errors import Invalid
from .inputs import is_whole


@dataclass(frozen=True)
class Setting:
    name: str
    type: str  # boolean, integer, string (one of `choices`) or array (some of `choices`)
    default: object
    label: dict[str, str]
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    error: str = ""  # what a wrong value is told; booleans say "must be true or false"
    description: str = ""  # in the OpenAPI document
    choice_labels: dict[str, dict[str, str]] = field(default_factory=dict)  # choice -> nl/en

    def valid(self, value) -> bool:
        if self.type == "boolean":
            return isinstance(value, bool)
        if self.type == "integer":
            return is_whole(value) and self.minimum <= value <= self.maximum
        if self.type == "array":
            return (
                isinstance(value, list)
                and all(isinstance(item, str) for item in value)
                and set(value) <= set(self.choices)
            )
        return isinstance(value, str) and value in self.choices

    def check(self, value) -> None:
        if self.valid(value):
            return
        if self.type == "boolean":
            raise Invalid(f"Setting '{self.name}' must be true or false.", field=self.name)
        if self.type == "string":
            raise Invalid(self.error, field=self.name, allowed=list(self.choices))
        raise Invalid(self.error, field=self.name)

    def schema(self) -> dict:
        """This setting as a JSON Schema, as the OpenAPI document states it."""
        if self.type == "string":
            schema = {"enum": list(self.choices)}
        elif self.type == "array":
            schema = {"type": "array", "items": {"enum": list(self.choices)}}
        elif self.type == "integer":
            schema = {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}
        else:
            schema = {"type": self.type}
        return {**schema, "description": self.description} if self.description else schema


SETTINGS = (
    Setting(
        "premoderation",
        "boolean",
        False,
        {"nl": "Bijdragen eerst goedkeuren", "en": "Approve posts before they show"},
    ),
    Setting(
        "anonymous_allowed",
        "boolean",
        True,
        {"nl": "Anonieme bijdragen toestaan", "en": "Allow anonymous posts"},
    ),
    Setting(
        "max_length",
        "integer",
        500,
        {"nl": "Maximale lengte van een inzicht", "en": "Longest insight"},
        minimum=20,
        maximum=5000,
        error="Setting 'max_length' must be a number from 20 to 5000.",
    ),
    Setting(
        "tag_sets",
        "array",
        ["kinds", "perspectives", "phases"],
        {"nl": "Labels bij een inzicht", "en": "Tags on an insight"},
        choices=("kinds", "perspectives", "phases"),
        error="Setting 'tag_sets' lists some of kinds, perspectives, phases.",
    ),
    Setting(
        "silent",
        "boolean",
        False,
        {
            "nl": "Stil schrijven: eerst verzamelen, later onthullen",
            "en": "Silent writing: collect first, reveal later",
        },
        description="Posts are stored and seen by the facilitator; walls and phones get counts only.",
    ),
    Setting(
        "hide_authors",
        "boolean",
        False,
        {
            "nl": "Namen verbergen op de wall en de telefoons",
            "en": "Hide names on the wall and phones",
        },
    ),
    Setting(
        "wall_view",
        "string",
        "tables",
        {"nl": "De wall toont", "en": "The wall shows"},
        choices=("tables", "perspectives", "compass", "stats", "summaries", "mix", "themes"),
        error="Unknown wall view.",
        choice_labels={
            "tables": {"nl": "Kolommen per tafel", "en": "Columns per table"},
            "perspectives": {"nl": "Per perspectief", "en": "By perspective"},
            "compass": {"nl": "Perspectievenkompas", "en": "Perspective compass"},
            "stats": {"nl": "Cijfers en woorden", "en": "Numbers and words"},
            "summaries": {
                "nl": "Samenvattingen per tafel (afsluiting)",
                "en": "Table summaries (closing)",
            },
            "mix": {"nl": "Tafelmix", "en": "Table mix"},
            "themes": {"nl": "Thema's over de tafels heen", "en": "Themes across tables"},
        },
    ),
    Setting(
        "rotation_hint",
        "boolean",
        False,
        {
            "nl": 'World Café: "door naar de volgende tafel" als de tijd om is',
            "en": 'World Café: "move to the next table" when time is up',
        },
        description=(
            'World Café: walls and phones say "move to the next table" when a round\'s time is up.'
        ),
    ),
    Setting(
        "wall_sort",
        "string",
        "newest",
        {"nl": "Volgorde in elke kolom", "en": "Order within each column"},
        choices=("newest", "votes"),
        error="Unknown wall sort order.",
        choice_labels={
            "newest": {"nl": "Nieuwste eerst", "en": "Newest first"},
            "votes": {"nl": "Meest herkend eerst", "en": "Most recognised first"},
        },
    ),
    Setting(
        "wall_theme",
        "string",
        "dark",
        {"nl": "Kleuren van de wall", "en": "Wall colours"},
        choices=("dark", "light"),
        error="Unknown wall theme.",
        choice_labels={
            "dark": {"nl": "Donkere wall", "en": "Dark wall"},
            "light": {"nl": "Lichte wall", "en": "Light wall"},
        },
        description=(
            "The wall's colours: dark (default) or light, for a bright room or a weak projector."
        ),
    ),
    Setting(
        "photos",
        "string",
        "hosts",
        {"nl": "Foto's bij een inzicht", "en": "Photos with an insight"},
        choices=("off", "hosts", "everyone"),
        error="Unknown photos setting.",
        choice_labels={
            "off": {"nl": "Geen foto's", "en": "No photos"},
            "hosts": {"nl": "Alleen tafelhosts", "en": "Table hosts only"},
            "everyone": {"nl": "Iedereen", "en": "Everyone"},
        },
        description=(
            "Who may add a photo to an insight: nobody, the table host's link (default) or every "
            "participant."
        ),
    ),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}
# The console's "Room rules" toggles, in the order it shows them.
CONSOLE_TOGGLES = ("premoderation", "silent", "hide_authors", "anonymous_allowed", "rotation_hint")
DEFAULT_SETTINGS = {setting.name: setting.default for setting in SETTINGS}


def schema() -> dict:
    """The Settings object of the OpenAPI document."""
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {setting.name: setting.schema() for setting in SETTINGS},
    }


def defaults() -> dict:
    """Fresh defaults (the lists are copied, so a session never shares one with another)."""
    return {name: list(v) if isinstance(v, list) else v for name, v in DEFAULT_SETTINGS.items()}
