"""The rude-word rule in every language: whole words, inflected forms, phrases, scoping, a show's own lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.core.files import bundled
from explorer.core.profanity import RudeWords, WordListError, bundled_rule, read_entries, rude_rows, words_of

# The languages of the bundled worlds, and one everyday word in each of the lists' languages.
BUNDLED_LANGUAGES = ["en", "de", "ru", "pl", "it", "cs", "es", "pt"]
EVERYDAY = {
    "ar": "كتاب", "cs": "kočka", "da": "hus", "de": "Haus", "en": "tree", "eo": "domo", "es": "casa",
    "fa": "کتاب", "fi": "talo", "fil": "bahay", "fr": "maison", "hi": "किताब", "hu": "ház", "it": "casa",
    "ja": "猫", "kab": "axxam", "ko": "고양이", "nl": "huis", "no": "hus", "pl": "kurczak", "pt": "casa",
    "ru": "дом", "sv": "hus", "th": "แมว", "tlh": "Qapla", "tr": "ev", "zh": "猫",
}  # fmt: skip
# Rude words that labels really hold, in the bundled worlds' languages; and innocent words that share letters.
RUDE = {
    "en": ["Shit", "holy-shit", "FUCKING"], "de": ["scheiße", "SCHEISSE", "Arsch"], "ru": ["хуй", "жопа"],
    "pl": ["kurwa", "chuj", "gówno"], "it": ["cazzo", "stronzo", "puttana"], "cs": ["prdel", "kurva"],
    "es": ["mierda", "puta", "coño"], "pt": ["merda", "caralho"],
}  # fmt: skip
INNOCENT = {
    "en": ["Scunthorpe", "class", "cocktail", "analysis", "grass"], "de": ["Scheibe", "aß", "Ölbaum"],
    "ru": ["скука", "худой", "хуже"], "pl": ["kurczak", "ruch", "ruchu", "dziwne"], "it": ["cazzuola", "stronzio"],
    "cs": ["kurvítko"], "es": ["computadora", "disputa", "reputación"], "pt": ["computador", "disputa"],
}  # fmt: skip
# Inflected forms that a list of base forms alone would miss.
INFLECTED = {
    "pl": ["kurwy", "kurwą", "kurwie", "chuja", "chujem", "jebie", "debilem"],
    "cs": ["kurvy", "prdele", "prdeli", "hovnem"],
    "ru": ["хуя", "хуем", "хую", "бляди", "блядью", "хуёво", "ХУЕВО"],
}


@pytest.fixture(scope="module")
def rule() -> RudeWords:
    return bundled_rule()


def first_entry(path: Path, rule: RudeWords) -> str:
    """The first entry of a list (a word, or a phrase: Klingon's are all phrases) not let through by the allowances."""
    return next(e for e in read_entries(path) if " ".join(words_of(e)) not in rule.allowed)


def test_every_language_of_the_bundled_worlds_has_a_list(rule: RudeWords) -> None:
    assert set(BUNDLED_LANGUAGES) <= set(rule.codes)
    assert len(rule.codes) == 27  # and every language LDNOOBW has


@pytest.mark.parametrize("code", sorted(EVERYDAY))
def test_in_every_language_a_listed_word_is_rude_and_an_everyday_word_is_not(rule: RudeWords, code: str) -> None:
    listed = first_entry(bundled("assets", "wordlists", f"rude-{code}.txt"), rule)
    assert rule.is_rude(listed), listed
    assert rule.is_rude(listed.upper()), listed.upper()  # case does not matter (Turkish ı and I too)
    assert rule.is_rude(listed, group=code)
    assert not rule.is_rude(EVERYDAY[code]) and not rule.is_rude(EVERYDAY[code], group=code)


@pytest.mark.parametrize("code", BUNDLED_LANGUAGES)
def test_rude_words_of_the_bundled_languages_are_caught_and_innocent_neighbours_stay(
    rule: RudeWords, code: str
) -> None:
    for word in RUDE[code]:
        assert rule.is_rude(word), word
        assert rule.is_rude(word, group=code), word
        assert rule.is_rude(f"so {word} there"), word  # any word inside a label of several
    for word in INNOCENT[code]:
        assert not rule.is_rude(word), word
        assert not rule.is_rude(word, group=code), word


@pytest.mark.parametrize("code", sorted(INFLECTED))
def test_inflected_forms_are_caught_in_languages_that_inflect(rule: RudeWords, code: str) -> None:
    for word in INFLECTED[code]:
        assert rule.is_rude(word), word
        assert rule.is_rude(word, group=code), word


def test_phrases_count_as_runs_of_words(rule: RudeWords) -> None:
    assert rule.is_rude("do kurwy nędzy")
    assert rule.is_rude("pokaż: gówno prawda!")
    assert not rule.is_rude("prawda") and not rule.is_rude("nędzy")


def test_a_language_group_checks_its_own_list_and_english(rule: RudeWords) -> None:
    # "nicht" is a slang word in Dutch, "del" in Dutch too: in a German or Spanish cluster they are words.
    assert rule.is_rude("gat", group="nl") and not rule.is_rude("gat", group="de")
    assert rule.is_rude("con", group="fr") and not rule.is_rude("con", group="es")
    assert rule.is_rude("shit", group="de") and rule.is_rude("shit", group="Polish")  # English travels
    assert rule.is_rude("con")  # no language known: every list counts
    assert rule.language_of("German") == "de" and rule.language_of("pt") == "pt" and rule.language_of("g7") is None


def test_the_bundled_allowances_let_everyday_words_through(rule: RudeWords) -> None:
    assert not rule.is_rude("regina") and not rule.is_rude("pesce") and not rule.is_rude("martillo")
    assert not rule.is_rude("jajko", group="pl") and not rule.is_rude("jajka", group="pl")  # and their forms


def test_a_shows_own_files_add_and_allow_words(tmp_path: Path) -> None:
    more, allow = tmp_path / "more.txt", tmp_path / "allow.txt"
    more.write_text("# the festival's own\nBroccoli\nmoldy cheese\n", encoding="utf-8")
    allow.write_text("cazzo\n", encoding="utf-8")
    rule = RudeWords.bundled(extra=[more], allowed=[allow])
    assert rule.is_rude("broccoli") and rule.is_rude("BROCCOLI", group="it")
    assert rule.is_rude("very moldy cheese") and not rule.is_rude("cheese")
    assert not rule.is_rude("cazzo") and rule.is_rude("stronzo")
    assert not bundled_rule().is_rude("broccoli") and bundled_rule().is_rude("cazzo")


def test_an_unreadable_word_list_names_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"fine\n\xff\xfe broken\n")
    with pytest.raises(WordListError, match=r"bad.txt:2: not valid UTF-8"):
        RudeWords.bundled(extra=[bad])
    with pytest.raises(WordListError, match="no such file"):
        read_entries(tmp_path / "missing.txt")


def test_rows_flag_each_label_scoped_by_its_group() -> None:
    labels = ["cat", "SHIT", "fuck-off", "Ölbaum", "", "con", "con"]
    groups = ["en", "en", "en", "de", "en", "fr", "es"]
    assert rude_rows(labels).tolist() == [False, True, True, False, False, True, True]
    assert rude_rows(labels, groups).tolist() == [False, True, True, False, False, True, False]


def test_leetspeak_entries_do_not_turn_into_fragments(rule: RudeWords) -> None:
    assert words_of("SH!T") == ["sh", "t"]
    assert not rule.is_rude("sh") and not rule.is_rude("shi")
