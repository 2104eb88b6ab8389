"""Tag sets (kinds, perspectives, phases, organisation types) and session templates, read from data.

The default set is the Wijkkompas method (data/wijkkompas.json). A session can bring its own file
of the same shape; `for_session(session)` answers the set that session uses, for validation,
labels on every screen and the harvest.
"""

import hashlib
import json
import json.decoder
import json.scanner
import re
from functools import cache
from pathlib import Path

from .inputs import has_surrogate

DATA = Path(__file__).parent / "data"
TAG_SETS = ("kinds", "perspectives", "phases", "organisation_types")
LANGUAGES = ("nl", "en")
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
ENTRY_FIELDS = {"key", "nl", "en", "short_nl", "short_en", "icon"}
TOP_FIELDS = {"name", "description", *TAG_SETS}
MAX_ENTRIES = {"kinds": 12, "perspectives": 12, "phases": 12, "organisation_types": 20}
MAX_FILE_BYTES = 64 * 1024
TOO_DEEP = "The file is nested far deeper than a tag set (three levels)."


class TagSetError(ValueError):
    """A tag set file that cannot be used; the message names the line and what to fix."""

    def __init__(self, message: str, line: int | None = None, path: str | None = None):
        super().__init__(f"Line {line}: {message}" if line else message)
        self.message = str(self)
        self.line = line
        self.path = path


class TagSet:
    """One tag set document: entries with a key and a label per language."""

    def __init__(self, document: dict):
        self.document = document
        self.name = document.get("name") or "custom"

    def entries(self, kind: str) -> list[dict]:
        return self.document.get(kind) or []

    def keys(self, kind: str) -> list[str]:
        return [entry["key"] for entry in self.entries(kind)]

    def label(self, kind: str, key: str | None, language: str = "nl", short: bool = False) -> str:
        """The human label of a tag in a language; the key itself if unknown."""
        for entry in self.entries(kind):
            if entry["key"] == key:
                return entry.get(f"short_{language}" if short else language) or entry[language]
        return key or ""

    def labels(self, kind: str, language: str = "nl") -> list[dict]:
        """Entries of one tag set as {key, label, short, ...} for templates and JavaScript."""
        return [
            {
                **entry,
                "label": entry[language],
                "short": entry.get(f"short_{language}") or entry[language],
            }
            for entry in self.entries(kind)
        ]


@cache
def tag_sets(name: str = "wijkkompas") -> dict:
    """Load a tag set file shipped with the app; every entry has a key and a label per language."""
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


@cache
def default() -> TagSet:
    return TagSet(tag_sets())


def for_session(session) -> TagSet:
    """The tag set a session uses: its own when it brought one, else the Wijkkompas set."""
    own = getattr(session, "tag_set", None) if session is not None else None
    return TagSet(own) if own else default()


def fingerprint(session) -> str:
    """A short name for the tag set in use; screens reload their labels when it changes."""
    own = getattr(session, "tag_set", None)
    if not own:
        return "wijkkompas"
    digest = hashlib.sha256(json.dumps(own, sort_keys=True).encode()).hexdigest()[:10]
    return f"{own.get('name') or 'custom'}:{digest}"


@cache
def session_templates() -> dict:
    return json.loads((DATA / "session_templates.json").read_text(encoding="utf-8"))


# The module-level helpers answer for the default set (sessions without their own).
def keys(kind: str) -> list[str]:
    return default().keys(kind)


def label(kind: str, key: str | None, language: str = "nl", short: bool = False) -> str:
    return default().label(kind, key, language, short)


def labels(kind: str, language: str = "nl") -> list[dict]:
    return default().labels(kind, language)


# --- reading and checking a tag set file ---------------------------------------------------------


class _PositionDecoder(json.JSONDecoder):
    """json with a memory of where each object and list starts, so errors can name the line."""

    def __init__(self):
        super().__init__()
        self.starts: dict[int, int] = {}
        self.kept: list = []  # keeps parsed values alive so their ids stay unique
        plain_object, plain_array = self.parse_object, self.parse_array

        def parse_object(state, *args):
            value, end = plain_object(state, *args)
            self._remember(value, state[1] - 1)
            return value, end

        def parse_array(state, *args):
            value, end = plain_array(state, *args)
            self._remember(value, state[1] - 1)
            return value, end

        self.parse_object, self.parse_array = parse_object, parse_array
        self.scan_once = json.scanner.py_make_scanner(self)

    def _remember(self, value, start: int) -> None:
        self.kept.append(value)
        self.starts[id(value)] = start


def parse(text: str | bytes) -> dict:
    """Read and check a tag set file (JSON, or YAML when PyYAML is installed); return the document.

    Raises TagSetError naming the line and what is wrong.
    """
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise TagSetError(f"The file is larger than {MAX_FILE_BYTES // 1024} KB.")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise TagSetError(f"The file is not UTF-8 text ({error.reason}).") from None
    if len(text) > MAX_FILE_BYTES:
        raise TagSetError(f"The file is larger than {MAX_FILE_BYTES // 1024} KB.")
    if not text.strip():
        raise TagSetError("The file is empty.")
    if text.lstrip().startswith(("{", "[")):
        decoder = _PositionDecoder()
        try:
            document = decoder.decode(text)
        except json.JSONDecodeError as error:
            raise TagSetError(f"not valid JSON: {error.msg}.", line=error.lineno) from None
        except RecursionError:
            raise TagSetError(TOO_DEEP) from None

        def line_of(value) -> int | None:
            start = decoder.starts.get(id(value))
            return text.count("\n", 0, start) + 1 if start is not None else None

    else:
        document, line_of = parse_yaml(text)
    return validate(document, line_of)


def parse_yaml(text: str):
    try:
        import yaml
    except ImportError:
        raise TagSetError(
            "This is not JSON (it does not start with '{'); YAML needs PyYAML installed."
        ) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        document = yaml.safe_load(text)
    except RecursionError:
        raise TagSetError(TOO_DEEP) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        raise TagSetError(
            f"not valid YAML: {problem}.", line=mark.line + 1 if mark else None
        ) from None
    lines: dict[int, int] = {}

    def walk(node, value):
        lines[id(value)] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode) and isinstance(value, dict):
            for key_node, value_node in node.value:
                if key_node.value in value:
                    walk(value_node, value[key_node.value])
        elif isinstance(node, yaml.SequenceNode) and isinstance(value, list):
            for item_node, item in zip(node.value, value, strict=False):
                walk(item_node, item)

    if node is not None:
        walk(node, document)
    return document, lambda value: lines.get(id(value))


def validate(document, line_of=lambda value: None) -> dict:
    """Check the shape of a tag set document; return a clean copy (only known fields)."""

    def fail(message, value=None, path=None):
        line = line_of(value) if value is not None else None
        if line is None and value is document:
            line = 1
        raise TagSetError(message, line=line, path=path)

    if not isinstance(document, dict):
        fail(
            "A tag set is an object with kinds, perspectives, phases and organisation_types.",
            document,
        )
    unknown = sorted(set(document) - TOP_FIELDS)
    if unknown:
        fail(
            f"unknown field '{unknown[0]}'; a tag set has {', '.join(sorted(TOP_FIELDS))}.",
            document,
            unknown[0],
        )
    if not any(document.get(kind) for kind in TAG_SETS):
        fail(f"The tag set names none of {', '.join(TAG_SETS)}.", document)
    clean = {}
    for field in ("name", "description"):
        value = document.get(field)
        if value is not None and (
            not isinstance(value, str) or len(value) > 500 or has_surrogate(value)
        ):
            fail(f"'{field}' must be text of at most 500 characters.", document, field)
        if value:
            clean[field] = value.strip()
    for kind in TAG_SETS:
        entries = document.get(kind, [])
        if not isinstance(entries, list):
            fail(
                f"'{kind}' must be a list of entries.",
                entries if isinstance(entries, dict) else document,
                kind,
            )
        if len(entries) > MAX_ENTRIES[kind]:
            fail(f"'{kind}' has {len(entries)} entries; at most {MAX_ENTRIES[kind]}.", entries)
        seen = set()
        clean[kind] = []
        for position, entry in enumerate(entries):
            path = f"{kind}[{position}]"
            where = entry if isinstance(entry, dict | list) else entries
            if not isinstance(entry, dict):
                fail(f"{path} must be an object with key, nl and en.", where, path)
            extra = sorted(set(entry) - ENTRY_FIELDS)
            if extra:
                fail(
                    f"{path} has an unknown field '{extra[0]}'; "
                    f"allowed: {', '.join(sorted(ENTRY_FIELDS))}.",
                    entry,
                    path,
                )
            key = entry.get("key")
            if not isinstance(key, str) or not KEY.match(key):
                fail(
                    f"{path} needs a 'key' of 1-40 lower-case letters, digits, '_' or '-' "
                    f"(got {json.dumps(key, ensure_ascii=False)}).",
                    entry,
                    path,
                )
            if key in seen:
                fail(f"{path}: the key '{key}' appears twice in {kind}.", entry, path)
            seen.add(key)
            item = {"key": key}
            for language in LANGUAGES:
                text = entry.get(language)
                if (
                    not isinstance(text, str)
                    or not text.strip()
                    or len(text) > 200
                    or has_surrogate(text)
                ):
                    fail(
                        f"{path} ('{key}') needs a label '{language}' of 1-200 characters.",
                        entry,
                        path,
                    )
                item[language] = text.strip()
            for optional, limit in (("short_nl", 40), ("short_en", 40), ("icon", 8)):
                value = entry.get(optional)
                if value is None:
                    continue
                if (
                    not isinstance(value, str)
                    or not value.strip()
                    or len(value) > limit
                    or has_surrogate(value)
                ):
                    fail(
                        f"{path} ('{key}'): '{optional}' must be text of 1-{limit} characters.",
                        entry,
                        path,
                    )
                item[optional] = value.strip()
            clean[kind].append(item)
    return clean
