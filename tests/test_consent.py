"""Consent to be quoted (docs/HARVEST.md, "Who is speaking"): the levels, the attribution line and
the one SQL rule that keeps "room" insights out of every document."""

import pytest
from sqlalchemy import select

from workshop import tags
from workshop.domain import consent
from workshop.extensions import db
from workshop.models import Insight, Participant

TILBURG = {
    "name": "Tijs van Gisbergen",
    "role": "projectleider",
    "organisation": "gemeente Tilburg",
    "place": "Tilburg",
    "organisation_type": "municipality",
}


def speaker(**fields) -> Participant:
    return Participant(**{"name": "", "organisation": "", "role": "", "place": "", **fields})


@pytest.mark.parametrize(
    ("level", "language", "expected"),
    [
        ("name", "nl", "Tijs van Gisbergen, projectleider, gemeente Tilburg, Tilburg"),
        ("name", "en", "Tijs van Gisbergen, projectleider, gemeente Tilburg, Tilburg"),
        ("organisation", "nl", "gemeente Tilburg (Tilburg)"),
        ("anonymous", "nl", "een deelnemer (gemeente)"),
        ("anonymous", "en", "a participant (municipality)"),
        ("room", "nl", None),
    ],
)
def test_attribution_at_each_level(level, language, expected):
    line = consent.attribution(speaker(**TILBURG), level, language, tags.default())
    assert line == expected


def test_attribution_shows_only_what_was_given_and_falls_back():
    tag_set = tags.default()
    nameless = speaker(organisation_type="owners_association", place="Barneveld")
    for level in ("name", "organisation"):
        assert consent.attribution(nameless, level, "nl", tag_set) == (
            "een deelnemer (Vereniging van Eigenaars (VvE), Barneveld)"
        )
    assert consent.attribution(nameless, "anonymous", "nl", tag_set) == (
        "een deelnemer (Vereniging van Eigenaars (VvE))"
    )
    assert consent.attribution(speaker(), "organisation", "en", tag_set) == "a participant"
    other = speaker(name="Anna", organisation_type="other")
    assert consent.attribution(other, "anonymous", "nl", tag_set) == "een deelnemer"
    assert consent.attribution(None, "name", "en", tag_set) == "a participant"


def test_a_post_without_my_name_never_shows_the_name():
    insight = Insight(anonymous=True, participant=speaker(**TILBURG))
    line = consent.attribution(insight, "name", "nl", tags.default())
    assert line == "projectleider, gemeente Tilburg, Tilburg"
    assert consent.speaker(insight, "name")["name"] == ""


def test_anonymous_never_shows_name_role_organisation_or_place():
    shown = consent.speaker(speaker(**TILBURG), "anonymous")
    assert shown == {"name": "", "organisation": "", "role": "", "place": ""}
    line = consent.attribution(speaker(**TILBURG), "anonymous", "nl", tags.default())
    assert "Tijs" not in line and "Tilburg" not in line and "projectleider" not in line
    assert consent.speaker(speaker(**TILBURG), "organisation") == {
        "name": "",
        "role": "",
        "organisation": "gemeente Tilburg",
        "place": "Tilburg",
    }


def test_effective_consent_follows_the_post_then_the_participant_then_the_default():
    participant = speaker(quote_consent="name")
    assert consent.effective_consent(Insight(participant=participant)) == "name"
    own = Insight(participant=participant, quote_consent="room")
    assert consent.effective_consent(own) == "room"
    assert consent.effective_consent(Insight()) == "anonymous"
    assert consent.LEVELS == ("name", "organisation", "anonymous", "room")
    assert consent.DEFAULT == "anonymous"
    assert consent.stricter("name", "room") == "room"
    assert consent.stricter("anonymous", "organisation") == "anonymous"


def test_consent_field_names_the_allowed_values():
    from workshop.errors import Invalid

    assert consent.consent_field({"quote_consent": "room"}) == "room"
    assert consent.consent_field({}) is None
    for wrong in ("everyone", 3, ["name"], "Name"):
        with pytest.raises(Invalid) as caught:
            consent.consent_field({"quote_consent": wrong})
        assert caught.value.status == 422
        assert caught.value.extra["allowed"] == ["name", "organisation", "anonymous", "room"]


def test_quotable_is_one_rule_in_python_and_sql(app, make_session, join, post):
    room = make_session()
    named = join(room, name="Tijs", quote_consent="name")["token"]
    kept = join(room, name="Kim", quote_consent="room")["token"]
    texts = {
        "named": post(room, named, "named").json()["id"],
        "override room": post(room, named, "override room", quote_consent="room").json()["id"],
        "room": post(room, kept, "room").json()["id"],
        "override anonymous": post(room, kept, "override anon", quote_consent="anonymous").json()[
            "id"
        ],
    }
    with app.app_context():
        in_sql = set(db.session.scalars(select(Insight.id).where(Insight.quotable)))
        in_python = {i.id for i in db.session.scalars(select(Insight)) if consent.quotable(i)}
        levels = dict(db.session.execute(select(Insight.id, Insight.consent_level)).all())
    assert in_sql == in_python == {texts["named"], texts["override anonymous"]}
    assert levels[texts["override room"]] == "room" and levels[texts["named"]] == "name"
