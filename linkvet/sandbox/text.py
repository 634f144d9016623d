"""Deterministic prose from seeded word lists.

Topics:

- ``trail``: the target's niche (trail-running gear): what editorial, trade and filler pages
  write about, and the target's own pages.
- ``outdoor``: neighbouring topics (hiking, camping, club life) for sites that are related
  but not about running gear.
- ``offtopic``: casino, loans, pills, essays: what link farms and directories of everything
  carry.
- ``spun``: article-spinner output on the niche (synonym swaps, broken grammar), as written
  by private blog networks.

Every function takes a :class:`random.Random` so callers decide the seed; a random generator
seeded with a string (``random.Random("0:host:/path")``) is stable across processes.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Sequence
from functools import lru_cache
from typing import Literal

Topic = Literal["trail", "outdoor", "offtopic", "spun"]

_SLOTS: dict[str, dict[str, tuple[str, ...]]] = {
    "trail": {
        "gear": (
            "trail shoe", "hydration vest", "rock plate", "running pole", "headlamp",
            "waterproof shell", "merino sock", "gaiter", "soft flask", "race belt",
            "windproof jacket", "grip sock", "insole", "running pack",
        ),
        "terrain": (
            "muddy singletrack", "loose scree", "rooty forest paths", "alpine ridges",
            "wet limestone", "sandy fire roads", "steep switchbacks", "boggy moorland",
        ),
        "feature": (
            "a deep lug pattern", "a low heel drop", "a protective toe cap", "a wide toe box",
            "a secure heel lock", "a bounce-free harness", "reflective trims",
            "a gusseted tongue", "firm midsole foam", "a sticky rubber outsole",
        ),
        "race": (
            "a mountain ultra", "a 50K", "a skyrace", "a night relay", "a fell race",
            "a multi-day stage race", "your first trail half marathon",
        ),
        "condition": (
            "the rain sets in", "the descent gets technical", "your legs are tired",
            "the temperature drops after sunset", "the trail turns to mud",
            "you carry water for four hours",
        ),
        "adj": (
            "stable", "nimble", "grippy", "cushioned", "light", "secure", "forgiving",
            "responsive", "durable", "breathable",
        ),
        "who": ("New", "Experienced", "Most", "Ultra", "Weekend", "Club", "Mountain"),
    },
    "outdoor": {
        "gear": (
            "day pack", "trekking pole", "camp stove", "sleeping mat", "tent",
            "map and compass", "first-aid kit", "rain jacket", "hiking boot",
        ),
        "terrain": (
            "the coastal path", "the national park", "the hut-to-hut route", "valley trails",
            "the old drovers' road", "the lakeside loop",
        ),
        "feature": (
            "a reliable forecast", "an early start", "a shared route plan",
            "spare layers", "enough daylight", "a turnaround time",
        ),
        "race": (
            "the spring walk", "the summit day", "the autumn weekend away",
            "the volunteer trail day", "the family hike",
        ),
        "condition": (
            "the weather changes", "the group spreads out", "daylight runs short",
            "the path is washed out", "the river is high",
        ),
        "adj": ("sturdy", "warm", "simple", "packable", "waterproof", "roomy", "sensible"),
        "who": ("New", "Regular", "Most", "Younger", "Experienced", "Visiting"),
    },
}

_TEMPLATES: tuple[str, ...] = (
    "A good {gear} should feel {adj} on {terrain} and stay {adj2} when {condition}.",
    "{who} runners often underestimate how much {feature} matters after the first hour.",
    "We tested every {gear} on {terrain} for six weeks before writing this guide.",
    "Look for {feature} if you plan to tackle {race} or long days on {terrain}.",
    "Nothing ruins {race} faster than a {gear} that stops being {adj} when {condition}.",
    "Pack a {gear} and a {gear2} before heading out, because {condition} sooner than you "
    "think.",
    "On {terrain} we preferred {feature}, which kept every stride {adj}.",
    "{who} testers said the {gear} felt {adj} from the first mile to the last.",
    "The difference shows on {terrain}: {feature} keeps you moving when {condition}.",
    "If you only buy one {gear} this season, make it {adj} and make sure it has {feature}.",
)

_OFFTOPIC: tuple[tuple[str, ...], ...] = (
    ("Best", "Top", "Cheap", "Instant", "Guaranteed", "Free", "Exclusive", "Fast"),
    ("casino bonus", "payday loans", "crypto signals", "diet pills", "essay writing",
     "replica watches", "forex robot", "CBD gummies", "backlink packages", "VPN deals"),
    ("online", "today", "no credit check", "with free spins", "in 24 hours", "for students",
     "worldwide", "at wholesale prices"),
    ("Click now", "Sign up today", "Limited offer", "Order now", "Claim your reward",
     "Do not miss out", "Visit our partner"),
)

_SPIN: tuple[tuple[str, ...], ...] = (
    ("The", "This", "A", "One"),
    ("best", "top", "finest", "greatest", "most excellent"),
    ("trail", "path", "track", "off-road", "trail"),
    ("running shoes", "jogging footwear", "runner sneakers", "running trainers"),
    ("is", "are", "be", "remains"),
    ("very", "extremely", "really", "highly", "truly"),
    ("important", "essential", "crucial", "vital", "significant"),
    ("for", "intended for", "meant for"),
    ("each", "every", "all", "any"),
    ("runner", "jogger", "sprinter", "athlete"),
    ("who", "whom", "which", "that"),
    ("want", "desire", "wish for", "need"),
    ("outstanding", "excellent", "superb", "terrific"),
    ("grip", "traction", "hold", "adhesion"),
    ("on the mountain.", "in the hills.", "over rough ground.", "on hard trails."),
)

_TITLE_PATTERNS: dict[Topic, tuple[str, ...]] = {
    "trail": (
        "The best {gear}s of the season, tested on {terrain}",
        "How to choose a {gear} for {race}",
        "{gear_cap} review: {adj} enough for {terrain}?",
        "Ten lessons from {race}",
        "What we learned running {terrain} all winter",
    ),
    "outdoor": (
        "Planning {race} on {terrain}",
        "Our guide to {terrain}",
        "Why every member needs a {gear}",
        "Notes from {race}",
    ),
    "offtopic": (
        "{a} {b} {c}",
        "{a} {b}: {d}",
    ),
    "spun": (
        "{s1} {s2} {s3} {s4} {s5}",
    ),
}


_NON_SLUG = re.compile(r"[^a-z0-9]+")


def _pick(rng: random.Random, options: Sequence[str]) -> str:
    # random() is several times cheaper than randrange() and as deterministic.
    return options[int(rng.random() * len(options))]


@lru_cache(maxsize=256)
def _fields(template: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name)


def _fill(rng: random.Random, topic: Topic, template: str) -> str:
    slots = _SLOTS["outdoor" if topic == "outdoor" else "trail"]
    values: dict[str, str] = {}
    for name in _fields(template):
        if name == "gear_cap":
            gear = _pick(rng, slots["gear"])
            values[name] = gear[:1].upper() + gear[1:]
        else:
            values[name] = _pick(rng, slots[name.rstrip("2")])
    return template.format(**values)


def sentence(rng: random.Random, topic: Topic) -> str:
    """One sentence on ``topic``."""
    if topic == "offtopic":
        a, b, c, d = (_pick(rng, words) for words in _OFFTOPIC)
        return f"{a} {b} {c}. {d}!"
    if topic == "spun":
        words = " ".join(_pick(rng, group) for group in _SPIN)
        return words[:1].upper() + words[1:]
    return _fill(rng, topic, _pick(rng, _TEMPLATES))


def paragraph(rng: random.Random, topic: Topic, sentences: int = 4) -> str:
    return " ".join(sentence(rng, topic) for _ in range(sentences))


def paragraphs(rng: random.Random, topic: Topic, count: int) -> list[str]:
    """``count`` paragraphs of 3–6 sentences each."""
    return [paragraph(rng, topic, rng.randint(3, 6)) for _ in range(count)]


def title(rng: random.Random, topic: Topic) -> str:
    pattern = _pick(rng, _TITLE_PATTERNS[topic])
    if topic == "offtopic":
        a, b, c, d = (_pick(rng, words) for words in _OFFTOPIC)
        return pattern.format(a=a, b=b, c=c, d=d)
    if topic == "spun":
        parts = [_pick(rng, group) for group in _SPIN[:5]]
        text = " ".join(parts[1:4]) + " guide"
        return text[:1].upper() + text[1:]
    text = _fill(rng, topic, pattern)
    return text[:1].upper() + text[1:]


def slug(text: str, max_words: int = 8) -> str:
    """A URL slug: lower-case ASCII words joined by dashes."""
    words = _NON_SLUG.sub(" ", text.lower()).split()
    return "-".join(words[:max_words]) or "page"


def words(rng: random.Random, count: int) -> list[str]:
    """Single words from the niche lists (for names and labels)."""
    pool = _SLOTS["trail"]["adj"] + ("summit", "ridge", "valley", "peak", "fell", "trail",
                                     "stride", "pace", "cairn", "scree", "tarn", "moor")
    return [_pick(rng, pool) for _ in range(count)]
