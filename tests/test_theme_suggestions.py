"""Theme suggestions (workshop/domain/suggestions.py): their quality on the labelled Dutch set of
tests/data/theme_suggestions_nl.json, measured as precision and recall of the proposed pairs."""

import sys
from pathlib import Path

import pytest

from workshop.domain import suggestions

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from theme_suggestions import labelled_items, pair_scores, synthetic  # noqa: E402

# Floors a little under what the set measures (docs/BENCHMARKS.md: precision 0.90, recall 0.38):
# a suggestion the facilitator accepts in one click must be right far more often than not.
PRECISION_FLOOR = 0.8
RECALL_FLOOR = 0.3


def test_the_labelled_set_is_big_enough_and_realistic():
    items, group_of = labelled_items()
    assert len(items) >= 60
    assert len(set(group_of.values())) >= 10 and len(items) - len(group_of) >= 15  # singletons
    assert len({text for _, text in items}) == len(items)


@pytest.mark.slow  # seconds, not milliseconds: outside the fast tiers
def test_precision_and_recall_of_the_proposed_pairs(capsys):
    items, group_of = labelled_items()
    groups = suggestions.suggest(items, "nl")
    scores = pair_scores([g.insight_ids for g in groups], group_of)
    with capsys.disabled():
        print(
            f"\ntheme suggestions on {len(items)} labelled insights: "
            f"precision {scores['precision']:.2f} ({scores['right']}/{scores['proposed']} pairs), "
            f"recall {scores['recall']:.2f} ({scores['right']}/{scores['labelled']} pairs)"
        )
    assert scores["precision"] >= PRECISION_FLOOR, scores
    assert scores["recall"] >= RECALL_FLOOR, scores


def test_dutch_word_forms_meet_through_their_stem():
    """Plural, diminutive-free verb forms and compounds: the Snowball stem and the character
    n-grams bring "warmtenetten"/"warmtenet" and "aansluiting"/"aansluiten" together."""
    items = [
        (1, "De warmtenetten in onze wijk zijn te duur voor bewoners."),
        (2, "Een warmtenet is voor de bewoners van de wijk te duur."),
        (3, "Installateurs hebben lange wachtlijsten."),
    ]
    (group,) = suggestions.suggest(items, "nl")
    assert group.insight_ids == [1, 2]
    assert suggestions.stems("warmtenetten aansluiting", "nl") == suggestions.stems(
        "warmtenet aansluitingen", "nl"
    )


def test_labels_name_the_shared_words_as_people_wrote_them():
    items, group_of = labelled_items()
    groups = suggestions.suggest(items, "nl")
    labels = " | ".join(g.label for g in groups).lower()
    assert "warmtenet" in labels and "zonnepanelen" in labels
    assert all(g.label and g.label[0].isupper() for g in groups)


def test_nothing_to_group():
    assert suggestions.suggest([], "nl") == []
    assert suggestions.suggest([(1, "Alleen ik")], "nl") == []
    assert suggestions.suggest([(1, "de het een"), (2, "en of maar")], "nl") == []  # stop words
    assert suggestions.suggest([(1, "🌱🌱"), (2, "12 34")], "nl") == []


def test_english_sessions_use_english_stems():
    items = [
        (1, "Residents do not trust the municipality any more."),
        (2, "The municipality is not trusted by residents."),
        (3, "Heat pumps need a stronger grid."),
    ]
    (group,) = suggestions.suggest(items, "en")
    assert group.insight_ids == [1, 2]


def test_groups_stay_small_enough_to_read_and_a_thousand_insights_are_handled():
    many = synthetic(1000)
    groups = suggestions.suggest(many, "nl")
    assert groups and all(2 <= len(g.insight_ids) <= suggestions.MAX_GROUP for g in groups)
    ids = [i for g in groups for i in g.insight_ids]
    assert len(ids) == len(set(ids))  # an insight is in one suggested group at most
