from __future__ import annotations

import pytest

from linkvet.judging.anchors import AnchorVocabulary, anchor_class, anchor_distribution

VOCAB = AnchorVocabulary.for_target("acme.example", (), ("project management software",
                                                         "kanban"))


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("logo", "image", "image"),
    ("", "text", "empty"),
    ("   ", "empty", "empty"),
    ("https://acme.example/pricing", "text", "naked_url"),
    ("www.acme.example", "text", "naked_url"),
    ("Acme", "text", "branded"),
    ("the Acme team", "text", "branded"),
    ("Acmeville", "text", "other"),
    ("Project  Management software", "text", "exact"),
    ("kanban", "text", "exact"),
    ("best project management software 2026", "text", "partial"),
    ("software for project management", "text", "partial"),
    ("Click here", "text", "generic"),
    ("read more", "text", "generic"),
    ("a thoughtful review", "text", "other"),
    # host names need a domain suffix unless a scheme or www. says so
    ("acme.co.uk", "text", "naked_url"),
    ("https://acme.example:8080/", "text", "naked_url"),
    ("acme.example.", "text", "naked_url"),
    ("node.js", "text", "other"),
    ("report.pdf", "text", "other"),
    ("v1.2.3", "text", "other"),
])
def test_anchor_classes(text: str, kind: str, expected: str) -> None:
    assert anchor_class(text, kind, VOCAB) == expected


def test_brand_terms_default_to_the_domain_label_and_can_be_given() -> None:
    assert VOCAB.brand_terms == ("acme",)
    custom = AnchorVocabulary.for_target("acme.example", ("Acme Corp", "ACMEtools"), ())
    assert custom.brand_terms == ("acme corp", "acmetools")
    assert anchor_class("Acme", "text", custom) == "other"
    assert anchor_class("acmetools rocks", "text", custom) == "branded"


def test_distribution_shares() -> None:
    dist = anchor_distribution(["exact", "exact", "branded", "generic"])
    assert dist == {"image": 0.0, "empty": 0.0, "naked_url": 0.0, "branded": 0.25,
                    "exact": 0.5, "partial": 0.0, "generic": 0.25, "other": 0.0}
    assert anchor_distribution([])["exact"] == 0.0


def test_an_internationalised_domain_brands_as_it_is_written() -> None:
    vocab = AnchorVocabulary.for_target("xn--bcher-kva.example")
    assert vocab.brand_terms == ("bücher",)
    assert [anchor_class(a, "text", vocab) for a in
            ("Bücher", "die BÜCHER von heute", "bücher.example", "https://bücher.example/")] == [
        "branded", "branded", "naked_url", "naked_url"]
