from __future__ import annotations

from linkvet.judging.spam import is_spammy_tld, poison_words_in, tld_of


def test_tlds() -> None:
    assert (tld_of("spam.XYZ."), tld_of(""), tld_of("localhost")) == ("xyz", "", "localhost")
    assert is_spammy_tld("farm.xyz") is True
    assert is_spammy_tld("news.example") is False


def test_poison_words_are_whole_words_in_any_case() -> None:
    assert poison_words_in("Best CASINO bonuses and Payday Loans") == ["casino", "payday loans"]
    assert poison_words_in("Essex county sextant") == []
    assert poison_words_in(None) == []
