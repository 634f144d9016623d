from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from linkvet.errors import ConfigError
from linkvet.judging.model import SIGNALS, load_model, parse_model

EDITORIAL = {"status": "live", "link_present": True, "follow": True, "placement": "content",
             "relevance": 0.45, "authority": 61.0, "anchor_class": "branded",
             "word_count": 1400, "outbound_domains": 6, "sitewide_pages": 1}
FARM = {"status": "live", "link_present": True, "follow": True, "placement": "content",
        "word_count": 80, "outbound_domains": 350, "words_per_link": 0.23, "spammy_tld": True,
        "anchor_class": "exact", "target_exact_share": 0.6}


def test_packaged_model_is_versioned_and_valid() -> None:
    model = load_model()
    assert model.version == "2026.11.2"
    assert len(model.rules) == 30
    assert all(c.signal in SIGNALS for r in model.rules for c in r.when)


def test_editorial_link_is_high_with_reasons() -> None:
    j = load_model().evaluate(EDITORIAL)
    assert (j.score, j.tier, j.toxic, j.markers) == (99.0, "high", False, [])
    assert [r.id for r in j.fired] == ["followed", "in_content", "relevant", "strong_authority",
                                       "natural_anchor"]


def test_link_farm_is_low_and_toxic() -> None:
    j = load_model().evaluate(FARM)
    # 50 + followed 12 + in content 12 - directory-like 10 - over-optimised 10
    #    - link farm 20 - thin page 8 - spammy TLD 8
    assert (j.score, j.tier, j.toxic) == (18.0, "low", True)
    assert j.markers == ["link_farm", "thin_page", "spammy_tld"]


def test_missing_signals_make_conditions_false() -> None:
    j = load_model().evaluate({})
    assert (j.score, j.tier, j.reason_bits, j.fired) == (50.0, "medium", 0, ())


def test_sql_rendering_of_conditions() -> None:
    model = load_model()
    rule = next(r for r in model.rules if r.id == "boilerplate")
    assert rule.sql() == "((placement IN ('navigation', 'header', 'sidebar')) IS TRUE)"
    over = next(r for r in model.rules if r.id == "over_optimised")
    assert over.sql() == ("((anchor_class = 'exact') IS TRUE AND "
                          "(target_exact_share >= 0.3) IS TRUE)")


@pytest.mark.parametrize(("anchor_class", "share", "fires"), [
    ("exact", 0.5, True), ("exact", 0.1, False), ("exact", None, False),
    (None, 0.5, False), (None, None, False), ("branded", None, False)])
def test_rule_sql_is_false_not_null_when_a_signal_is_missing(
        anchor_class: str | None, share: float | None, fires: bool) -> None:
    over = next(r for r in load_model().rules if r.id == "over_optimised")
    con = duckdb.connect()
    got = con.execute(f"SELECT {over.sql()} FROM (SELECT ?::VARCHAR AS anchor_class, "
                      "?::DOUBLE AS target_exact_share)", [anchor_class, share]).fetchone()
    assert got == (fires,)
    assert over.holds({"anchor_class": anchor_class, "target_exact_share": share}) is fires


@pytest.mark.parametrize(("toml", "message"), [
    ('version = "1"\n[tiers]\nhigh = 70\nmedium = 40\n[[rule]]\nid = "x"\npoints = 1\n'
     'when = [["nope", "==", 1]]\n', "unknown signal 'nope'"),
    ('version = "1"\n[tiers]\nhigh = 70\nmedium = 40\n[[rule]]\nid = "x"\npoints = 1\n'
     'when = [["follow", "~", 1]]\n', "unknown op '~'"),
    ('version = "1"\n[tiers]\nhigh = 70\nmedium = 40\n[[rule]]\nid = "x"\npoints = 1\n'
     'when = []\n', "at least one condition"),
    ('version = "1"\n[[rule]]\nid = "x"\n', "needs version, tiers.high"),
    ('version = "1"\nrule = []\n[tiers]\nhigh = 70\nmedium = 40\n',
     "no rules; give at least one"),
])
def test_bad_models_are_config_errors(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_model(path)


def test_parse_model_from_dict() -> None:
    model = parse_model({"version": "t", "tiers": {"high": 60, "medium": 30},
                         "toxic": {"min_markers": 1},
                         "rule": [{"id": "m", "kind": "marker", "points": -40,
                                   "when": [["hidden", "==", True]]}]})
    j = model.evaluate({"hidden": True})
    assert (j.score, j.tier, j.toxic, j.reason_bits) == (10.0, "low", True, 1)


def test_one_severe_marker_is_enough_to_be_toxic() -> None:
    model = load_model()
    hidden = model.evaluate({"status": "live", "link_present": True, "follow": True,
                             "placement": "content", "hidden": True})
    assert (hidden.toxic, hidden.tier, hidden.markers) == (True, "low", ["hidden"])
    thin = model.evaluate({"status": "live", "link_present": True, "word_count": 60})
    assert (thin.toxic, thin.markers) == (False, ["thin_page"])


def test_noindex_and_canonicalised_pages_lose_value() -> None:
    model = load_model()
    base = {"status": "live", "link_present": True, "follow": True, "placement": "content"}
    live = model.evaluate({**base, "outcome": "live"}).score
    assert live - model.evaluate({**base, "outcome": "noindex"}).score == 20
    assert live - model.evaluate({**base, "outcome": "canonicalised_away"}).score == 15
