"""Soft hyphens for the wall's long names: breaks between syllables, from pyphen's dictionaries."""

from workshop.hyphenate import SOFT_HYPHEN, soft_hyphens


def test_long_dutch_compounds_get_syllable_breaks_and_short_words_none():
    assert soft_hyphens("Renovatieaanbod", "nl").split(SOFT_HYPHEN) == [
        "Re", "no", "va", "tie", "aan", "bod",
    ]  # fmt: skip
    assert soft_hyphens("Zakelijk vastgoed", "nl") == "Zakelijk vastgoed"
    assert soft_hyphens("Renovatieaanbod", "nl").replace(SOFT_HYPHEN, "") == "Renovatieaanbod"


def test_english_names_use_the_english_dictionary():
    assert SOFT_HYPHEN in soft_hyphens("Affordability", "en")
    assert soft_hyphens("Decisions", "en") == "Decisions"
