"""The score model: versioned rules read from a TOML file, applied as one SQL projection.

A rule is a list of conditions ``[signal, op, value]`` that must all hold, a number of points,
a kind (``reason`` or ``marker``) and a text. For one link:

- ``score`` = ``base`` + the points of every rule that holds, clamped to 0..100;
- ``toxic`` = at least ``toxic.min_markers`` marker rules hold, or the markers that hold weigh
  ``toxic.min_marker_points`` or more together (one severe marker, such as a link farm, is
  enough);
- ``tier`` = ``low`` when toxic, else ``high`` from ``tiers.high``, ``medium`` from
  ``tiers.medium``, else ``low``;
- the rules that held are recorded as bits of ``reason_bits`` (bit ``i`` = the model's ``i``-th
  rule), expanded into texts and points by the ``link_score_reasons`` view.

A missing signal (SQL ``NULL``, Python ``None``) makes its condition false. The SQL text
(:meth:`ScoreModel.score_sql`) and the Python evaluation (:meth:`ScoreModel.evaluate`) are two
renderings of the same rule data; a test checks they agree on every rule.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from linkvet.errors import ConfigError

Op = Literal["==", "!=", ">", ">=", "<", "<=", "in"]
OPS: tuple[str, ...] = Op.__args__  # type: ignore[attr-defined]
MAX_RULES = 64

# signal name -> SQL type, the columns of link_signals that rules may read
SIGNALS: dict[str, str] = {
    "status": "VARCHAR",
    "outcome": "VARCHAR",
    "link_present": "BOOLEAN",
    "follow": "BOOLEAN",
    "nofollow": "BOOLEAN",
    "sponsored": "BOOLEAN",
    "ugc": "BOOLEAN",
    "placement": "VARCHAR",
    "hidden": "BOOLEAN",
    "js_only": "BOOLEAN",
    "word_count": "INTEGER",
    "outbound_links": "INTEGER",
    "outbound_domains": "INTEGER",
    "link_density": "DOUBLE",
    "words_per_link": "DOUBLE",
    "anchor_class": "VARCHAR",
    "poison_anchor": "BOOLEAN",
    "target_exact_share": "DOUBLE",
    "sitewide_pages": "INTEGER",
    "spammy_tld": "BOOLEAN",
    "same_ip_domains": "INTEGER",
    "same_subnet_domains": "INTEGER",
    "near_duplicate_domains": "INTEGER",
    "reciprocal": "BOOLEAN",
    "imported_authority": "DOUBLE",
    "pagerank": "DOUBLE",
    "authority": "DOUBLE",
    "relevance": "DOUBLE",
    "third_party_toxicity": "DOUBLE",
}

_SQL_OPS = {"==": "=", "!=": "<>", ">": ">", ">=": ">=", "<": "<", "<=": "<="}


@dataclass(frozen=True)
class Condition:
    signal: str
    op: str
    value: Any

    def holds(self, signals: Mapping[str, Any]) -> bool:
        actual = signals.get(self.signal)
        if actual is None:
            return False
        v = self.value
        if self.op == "in":
            return bool(actual in v)
        if self.op == "==":
            return bool(actual == v)
        if self.op == "!=":
            return bool(actual != v)
        if self.op == ">":
            return bool(actual > v)
        if self.op == ">=":
            return bool(actual >= v)
        if self.op == "<":
            return bool(actual < v)
        return bool(actual <= v)

    def sql(self) -> str:
        if self.op == "in":
            items = ", ".join(_literal(x) for x in self.value)
            return f"{self.signal} IN ({items})"
        return f"{self.signal} {_SQL_OPS[self.op]} {_literal(self.value)}"


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise ConfigError(f"score model value {value!r} must be a boolean, number or string")


@dataclass(frozen=True)
class Rule:
    id: str
    text: str
    points: float
    kind: Literal["reason", "marker"]
    when: tuple[Condition, ...]

    def holds(self, signals: Mapping[str, Any]) -> bool:
        return all(c.holds(signals) for c in self.when)

    def sql(self) -> str:
        """True when every condition is true; a NULL signal makes its condition false.
        (``(c) IS TRUE`` per condition is ``coalesce(c1 AND c2 ..., FALSE)``, and DuckDB
        evaluates it about 10% faster.)"""
        return "(" + " AND ".join(f"({c.sql()}) IS TRUE" for c in self.when) + ")"


@dataclass(frozen=True)
class Judgement:
    score: float
    tier: str
    toxic: bool
    reason_bits: int
    fired: tuple[Rule, ...]

    @property
    def markers(self) -> list[str]:
        return [r.id for r in self.fired if r.kind == "marker"]


@dataclass(frozen=True)
class ScoreModel:
    version: str
    base: float
    high: float
    medium: float
    min_markers: int
    rules: tuple[Rule, ...]
    min_marker_points: float = float("inf")

    def evaluate(self, signals: Mapping[str, Any]) -> Judgement:
        """Score one link's signals in Python (explanations, tests; the flow uses SQL)."""
        fired = tuple(r for r in self.rules if r.holds(signals))
        bits = sum(1 << i for i, r in enumerate(self.rules) if r in fired)
        score = max(0.0, min(100.0, self.base + sum(r.points for r in fired)))
        markers = [r for r in fired if r.kind == "marker"]
        toxic = (len(markers) >= self.min_markers
                 or -sum(r.points for r in markers) >= self.min_marker_points)
        return Judgement(score, self.tier_of(score, toxic), toxic, bits, fired)

    def tier_of(self, score: float, toxic: bool) -> str:
        if toxic:
            return "low"
        if score >= self.high:
            return "high"
        return "medium" if score >= self.medium else "low"

    def score_sql(self, source: str, *, scored_at: str = "now()") -> str:
        """One projection over ``source`` (a table or view with the :data:`SIGNALS` columns and
        ``link_id``) giving ``link_id, score, tier, toxic, marker_count, reason_bits, model_version,
        scored_at``."""
        # Each rule's condition is evaluated once (column r<i>); the bits are summed from them,
        # the markers counted from the bits, the points summed. Whole points (the usual case)
        # are summed as integers and cast once: the same doubles, with less work per row than
        # adding a double per rule (1M links: 0.27 -> 0.23 s on 2 cores).
        held = ", ".join(f"{r.sql()} AS r{i}" for i, r in enumerate(self.rules))
        whole = all(float(x).is_integer() for x in (self.base, *(r.points for r in self.rules)))

        def number(x: float) -> str:
            return str(int(x)) if whole else repr(float(x))

        def total(terms: list[tuple[int, float]]) -> str:
            return " + ".join(f"CASE WHEN r{i} THEN {number(x)} ELSE 0 END"
                              for i, x in terms) or "0"

        rules = list(enumerate(self.rules))
        points = total([(i, r.points) for i, r in rules])
        marker_points = total([(i, -r.points) for i, r in rules if r.kind == "marker"])
        bits = " + ".join(f"CASE WHEN r{i} THEN {1 << i} ELSE 0 END" for i, _ in rules) or "0"
        marker_mask = sum(1 << i for i, r in rules if r.kind == "marker")
        severe = ("FALSE" if self.min_marker_points == float("inf")
                  else f"marker_points >= {self.min_marker_points!r}")
        version = _literal(self.version)
        return f"""
SELECT link_id, score,
       CASE WHEN toxic THEN 'low'
            WHEN score >= {self.high!r} THEN 'high'
            WHEN score >= {self.medium!r} THEN 'medium' ELSE 'low' END AS tier,
       toxic,
       markers::SMALLINT AS marker_count,
       reason_bits,
       {version} AS model_version,
       {scored_at} AS scored_at
FROM (
    SELECT *, (markers >= {self.min_markers} OR {severe}) AS toxic
    FROM (
        SELECT link_id, reason_bits,
               greatest(0.0, least(100.0, ({number(self.base)} + {points})::DOUBLE)) AS score,
               bit_count(reason_bits & {marker_mask}::UBIGINT) AS markers,
               {marker_points} AS marker_points
        FROM (
            SELECT link_id, ({bits})::UBIGINT AS reason_bits, * EXCLUDE (link_id)
            FROM (SELECT link_id, {held} FROM {source})
        )
    )
)"""

    def rule_rows(self) -> list[tuple[str, int, str, str, float, str]]:
        """``(model_version, bit, rule_id, kind, points, text)`` for the ``score_rules`` table."""
        return [(self.version, i, r.id, r.kind, float(r.points), r.text)
                for i, r in enumerate(self.rules)]


def _condition(rule_id: str, raw: Any) -> Condition:
    if not (isinstance(raw, list) and len(raw) == 3):
        raise ConfigError(f"rule {rule_id}: a condition is [signal, op, value], got {raw!r}")
    signal, op, value = raw
    if signal not in SIGNALS:
        raise ConfigError(f"rule {rule_id}: unknown signal {signal!r}; signals are "
                          f"{', '.join(SIGNALS)}")
    if op not in OPS:
        raise ConfigError(f"rule {rule_id}: unknown op {op!r}; use one of {' '.join(OPS)}")
    if op == "in":
        if not isinstance(value, list):
            raise ConfigError(f"rule {rule_id}: 'in' needs a list value")
        for item in value:
            _literal(item)
        return Condition(signal, op, tuple(value))
    _literal(value)
    return Condition(signal, op, value)


def parse_model(data: Mapping[str, Any]) -> ScoreModel:
    """A model from parsed TOML, validated (messages name the rule and what to change)."""
    try:
        version = str(data["version"])
        base = float(data.get("base", 50))
        high = float(data["tiers"]["high"])
        medium = float(data["tiers"]["medium"])
        min_markers = int(data.get("toxic", {}).get("min_markers", 2))
        min_marker_points = float(data.get("toxic", {}).get("min_marker_points", float("inf")))
        raw_rules: Sequence[Mapping[str, Any]] = data["rule"]
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"score model: missing or bad {exc}; it needs version, tiers.high, "
                          "tiers.medium and [[rule]] tables") from None
    if len(raw_rules) > MAX_RULES:
        raise ConfigError(f"score model: {len(raw_rules)} rules, at most {MAX_RULES}")
    if not raw_rules:
        raise ConfigError("score model: no rules; give at least one [[rule]] table (a model "
                          "without rules would score every link the same)")
    rules: list[Rule] = []
    seen: set[str] = set()
    for raw in raw_rules:
        rule_id = str(raw.get("id", ""))
        if not rule_id or rule_id in seen:
            raise ConfigError(f"score model: rule id {rule_id!r} is missing or repeated")
        seen.add(rule_id)
        kind = raw.get("kind", "reason")
        if kind not in ("reason", "marker"):
            raise ConfigError(f"rule {rule_id}: kind is 'reason' or 'marker', not {kind!r}")
        when = raw.get("when") or []
        if not when:
            raise ConfigError(f"rule {rule_id}: give at least one condition in 'when'")
        rules.append(Rule(rule_id, str(raw.get("text", rule_id)), float(raw["points"]), kind,
                          tuple(_condition(rule_id, c) for c in when)))
    return ScoreModel(version, base, high, medium, min_markers, tuple(rules), min_marker_points)


def load_model(path: Path | None = None) -> ScoreModel:
    """The model at ``path``, or the packaged ``linkvet/data/score_model.toml``."""
    if path is None:
        text = (resources.files("linkvet") / "data" / "score_model.toml").read_text("utf-8")
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"score model {path}: {exc}") from None
    try:
        return parse_model(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"score model {path or 'score_model.toml'}: {exc}") from None
