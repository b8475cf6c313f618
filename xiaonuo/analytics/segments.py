"""Segments: groups of customers described by rules, evaluated on demand
(docs/decisions/0018-segments-and-lifecycle-stage.md).

A definition is JSON validated by the pydantic schema below: a group (``match`` ``all`` or
``any``) of conditions and at most one level of nested groups. Conditions:

- ``attribute``: a built-in field (``name``, ``city``, ``gender``) or a custom attribute
  (``attributes.KEY``) compared with ``eq ne in not_in contains gt gte lt lte is_set is_not_set``;
- ``tag``: ``has`` / ``has_not`` a tag;
- ``lifecycle_stage``: ``in`` / ``not_in`` stages;
- ``seed``: the seed-user flag is ``value``;
- ``rfm_segment``: ``in`` / ``not_in`` RFM segments (the RFM report's, ``event`` optional);
- ``event``: how often the customer did ``event`` (within the last ``within_days``, or ever):
  ``at_least``/``at_most``/``exactly`` ``count`` times, or ``none`` (did not do it).

Evaluation splits the work where it is cheap: conditions on the customer row become one SQL
query per group in the main database; event and RFM conditions run as Ibis expressions on the
analytics engine (DuckDB by default) over the lake plus the tail, reading only the lake's days a
window needs. Each side gives a sorted array of customer ids; groups combine them with numpy set
operations. A definition with no event condition is a single SQL ``COUNT``.

For later features (campaigns, surveys): ``segment_customer_ids(workspace=…, segment_id=…)`` and
``evaluate(workspace=…, definition=…)`` return the ids as a sorted ``numpy`` int64 array;
``count`` returns only the number.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

import ibis
import numpy as np
import pyarrow as pa
from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from xiaonuo.accounts.models import Workspace
from xiaonuo.analytics import engines, sources
from xiaonuo.analytics.exceptions import AnalyticsError
from xiaonuo.analytics.models import Segment
from xiaonuo.analytics.reports import rfm
from xiaonuo.analytics.reports.common import EPOCH, events
from xiaonuo.analytics.selectors import Moment
from xiaonuo.customers.models import Customer, LifecycleStage, Tag
from xiaonuo.events import lake
from xiaonuo.lib.errors import NotFound, ServiceError

MAX_CONDITIONS = 50
MAX_WINDOW_DAYS = 3660
BUILTIN_FIELDS = ("name", "city", "gender")
_ATTRIBUTE_KEY = r"^attributes\.[A-Za-z0-9_\-]{1,50}$"
EMPTY = np.zeros(0, dtype=np.int64)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Scalar = str | int | float | bool


class AttributeCondition(_Strict):
    type: Literal["attribute"]
    field: str
    op: Literal[
        "eq", "ne", "in", "not_in", "contains", "gt", "gte", "lt", "lte", "is_set", "is_not_set"
    ]
    value: Scalar | list[Scalar] | None = None

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str) -> str:
        import re

        if value not in BUILTIN_FIELDS and not re.match(_ATTRIBUTE_KEY, value):
            raise ValueError(
                f"unknown field {value!r}: use {', '.join(BUILTIN_FIELDS)} or attributes.KEY"
            )
        return value

    @model_validator(mode="after")
    def _value_fits(self) -> "AttributeCondition":
        if self.op in ("is_set", "is_not_set"):
            if self.value is not None:
                raise ValueError(f"{self.op} takes no value")
        elif self.op in ("in", "not_in"):
            if not isinstance(self.value, list) or not self.value:
                raise ValueError(f"{self.op} needs a non-empty list")
        elif self.value is None or isinstance(self.value, list):
            raise ValueError(f"{self.op} needs one value")
        if self.field in BUILTIN_FIELDS and self.op in ("gt", "gte", "lt", "lte"):
            raise ValueError(f"{self.field} is text: compare with eq, ne, in or contains")
        return self


class TagCondition(_Strict):
    type: Literal["tag"]
    op: Literal["has", "has_not"]
    value: str = Field(min_length=1, max_length=50)


class StageCondition(_Strict):
    type: Literal["lifecycle_stage"]
    op: Literal["in", "not_in"]
    value: list[LifecycleStage] = Field(min_length=1)


class SeedCondition(_Strict):
    type: Literal["seed"]
    value: bool


class RfmCondition(_Strict):
    type: Literal["rfm_segment"]
    op: Literal["in", "not_in"]
    value: list[Literal[rfm.SEGMENTS]] = Field(min_length=1)  # type: ignore[valid-type]
    event: str | None = Field(default=None, max_length=200)  # the purchase event; None: any


class EventCondition(_Strict):
    type: Literal["event"]
    event: str = Field(min_length=1, max_length=200)
    op: Literal["at_least", "at_most", "exactly", "none"] = "at_least"
    count: int = Field(default=1, ge=0, le=1_000_000)
    within_days: int | None = Field(default=None, ge=1, le=MAX_WINDOW_DAYS)  # None: ever

    @model_validator(mode="after")
    def _count_fits(self) -> "EventCondition":
        if self.op == "at_least" and self.count < 1:
            raise ValueError("at_least needs a count of 1 or more (at_least 0 is everyone)")
        return self


Condition = Annotated[
    AttributeCondition
    | TagCondition
    | StageCondition
    | SeedCondition
    | RfmCondition
    | EventCondition,
    Field(discriminator="type"),
]


class Group(_Strict):
    match: Literal["all", "any"] = "all"
    conditions: list[Condition] = Field(min_length=1, max_length=MAX_CONDITIONS)


class Definition(_Strict):
    match: Literal["all", "any"] = "all"
    conditions: list[Condition | Group] = Field(min_length=1, max_length=MAX_CONDITIONS)

    def leaves(self) -> Iterator[Any]:
        for item in self.conditions:
            if isinstance(item, Group):
                yield from item.conditions
            else:
                yield item


def parse_definition(data: Any) -> Definition:
    """The definition, or ``segment_invalid`` (400) naming the first wrong place, e.g.
    ``conditions.1.op``."""
    if isinstance(data, Definition):
        return data
    try:
        return Definition.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _where(first["loc"])
        raise ServiceError(
            AnalyticsError.SEGMENT_INVALID,
            f"Segment definition, {where or 'top level'}: {first['msg']}",
            field=where or "definition",
            errors=[
                {"loc": _where(e["loc"]), "msg": e["msg"], "type": e["type"]}
                for e in exc.errors()[:20]
            ],
        ) from None


def _where(loc: tuple[Any, ...]) -> str:
    # pydantic names the union it tried ("tagged-union[…]", "Group"): the path is the rest.
    return ".".join(str(p) for p in loc if "[" not in str(p) and str(p) not in ("Group",))


# --- Customer-row conditions: SQL ---------------------------------------------------------------


def _attribute_q(c: AttributeCondition) -> Q:
    builtin = c.field in BUILTIN_FIELDS
    key = c.field.removeprefix("attributes.")
    path = c.field if builtin else f"attributes__{key}"
    # A built-in field is never NULL (blank is ""); a custom attribute may be missing.
    is_set = ~Q(**{path: ""}) if builtin else Q(attributes__has_key=key)
    if c.op == "is_set":
        return is_set
    if c.op == "is_not_set":
        return ~is_set
    lookup = {
        "eq": "exact",
        "ne": "exact",
        "in": "in",
        "not_in": "in",
        # JSON containment is another thing (and missing on SQLite): text search for attributes.
        "contains": "contains" if builtin else "icontains",
        "gt": "gt",
        "gte": "gte",
        "lt": "lt",
        "lte": "lte",
    }[c.op]
    q = Q(**{f"{path}__{lookup}": c.value})
    if c.op in ("ne", "not_in"):
        # A customer without the attribute is "not equal" too (SQL's NOT would leave it out).
        return ~q if builtin else ~is_set | (is_set & ~q)
    return q  # a missing attribute compares as NULL: never a match


def _row_q(workspace: Workspace, c: Any) -> Q:
    if isinstance(c, Group):
        parts = [_row_q(workspace, x) for x in c.conditions]
        q = parts[0]
        for other in parts[1:]:
            q = q & other if c.match == "all" else q | other
        return q
    if isinstance(c, AttributeCondition):
        return _attribute_q(c)
    if isinstance(c, StageCondition):
        q = Q(lifecycle_stage__in=[str(s) for s in c.value])
        return ~q if c.op == "not_in" else q
    assert isinstance(c, SeedCondition)
    return Q(is_seed=c.value)


def _customers(workspace: Workspace) -> QuerySet[Customer]:
    return Customer.objects.filter(workspace=workspace)


def _matching(workspace: Workspace, q: Q) -> QuerySet[Customer]:
    """The workspace's customers matching ``q``. On SQLite the workspace is compared as an
    expression, which keeps the planner off the (workspace, id) index: there, a condition on
    other columns would cost a row lookup per customer of the workspace, 2–3× a plain scan of
    the table (and a SQLite install is one company: its workspace is most of the table)."""
    if connection.vendor == "sqlite":
        return (
            Customer.objects.alias(scan_workspace=F("workspace_id") + 0)
            .filter(scan_workspace=workspace.pk)
            .filter(q)
        )
    return _customers(workspace).filter(q)


def _ids(qs: QuerySet[Any], column: str = "id") -> np.ndarray:
    """The queryset's customer ids (``column``), sorted. One row comes back (the ids joined with
    commas) rather than a million: fetching rows one by one costs more than the query."""
    sql, params = qs.order_by().values(column).query.sql_with_params()
    if connection.vendor == "postgresql":
        wrapped = f"SELECT string_agg({column}::text, ',') FROM ({sql}) q"  # noqa: S608
    else:
        wrapped = f"SELECT group_concat({column}) FROM ({sql}) q"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(wrapped, params)
        row = cursor.fetchone()
    text = row[0] if row else None
    if not text:
        return EMPTY
    # numpy parses the digits in C (a list of a million str is 8× slower).
    return _sorted(np.fromstring(text, dtype=np.int64, sep=","))


def _ids_with(qs: QuerySet[Customer], subsets: list[Q]) -> list[np.ndarray]:
    """The queryset's ids and, in the same scan, those of them matching each of ``subsets``."""
    flags = {
        f"xn_in_{i}": ExpressionWrapper(q, output_field=BooleanField())
        for i, q in enumerate(subsets)
    }
    sql, params = qs.order_by().annotate(**flags).values("id", *flags).query.sql_with_params()
    if connection.vendor == "postgresql":
        columns = ["string_agg(id::text, ',')"] + [
            f"string_agg(id::text, ',') FILTER (WHERE {f})" for f in flags
        ]
    else:
        columns = ["group_concat(id)"] + [f"group_concat(CASE WHEN {f} THEN id END)" for f in flags]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM ({sql}) q", params)  # noqa: S608
        row = cursor.fetchone() or [None] * len(columns)
    return [
        _sorted(np.fromstring(text, dtype=np.int64, sep=",")) if text else EMPTY for text in row
    ]


def _sorted(ids: np.ndarray) -> np.ndarray:
    """Ids in ascending order. SQLite walks the (workspace, -id) index, so they usually come
    descending: reversing is free where a sort is not."""
    if ids.size < 2 or bool(np.all(ids[1:] >= ids[:-1])):
        return ids
    if bool(np.all(ids[1:] <= ids[:-1])):
        return ids[::-1].copy()
    return np.sort(ids)


def _member(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For sorted unique ``a`` and ``b``: which of ``a`` are in ``b`` (binary search, no sort)."""
    if not b.size:
        return np.zeros(a.size, dtype=bool)
    at = np.searchsorted(b, a)
    inside = at < b.size
    found = np.zeros(a.size, dtype=bool)
    found[inside] = b[at[inside]] == a[inside]
    return found


def _intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    small, large = (a, b) if a.size <= b.size else (b, a)
    return small[_member(small, large)]


def _difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a[~_member(a, b)]


def _union(arrays: list[np.ndarray]) -> np.ndarray:
    if not arrays:
        return EMPTY
    joined = np.sort(np.concatenate(arrays))
    if joined.size < 2:
        return joined
    keep = np.empty(joined.size, dtype=bool)
    keep[0] = True
    np.not_equal(joined[1:], joined[:-1], out=keep[1:])
    return joined[keep]


# --- Event and RFM conditions: the analytics engine ----------------------------------------------


def _events_expression(inputs: sources.Inputs, leaves: list[EventCondition]) -> ibis.Expr:
    """Every event condition in one pass over the events: per customer, how many of their events
    each condition counts (``n0``, ``n1`` …). Built on the placeholder, it compiles once per
    shape (engines.AS_OF_PLACEHOLDER)."""
    now = engines.AS_OF_PLACEHOLDER
    t = events(inputs, as_of_ts=now)
    t = t.filter(t.name.isin(sorted({c.event for c in leaves})))
    if all(c.within_days for c in leaves):
        t = t.filter(t.ts + max(c.within_days or 0 for c in leaves) * 86400 > now)

    def counted(c: EventCondition) -> ibis.Value:
        if c.within_days is None:
            return t.name == c.event
        return (t.name == c.event) & (t.ts + c.within_days * 86400 > now)

    per = t.group_by("customer_id").agg(
        **{f"n{i}": t.count(where=counted(c)) for i, c in enumerate(leaves)}
    )
    # Only customers some condition keeps come back (_event_sets decides which for which).
    keep = [_kept(c, per[f"n{i}"]) for i, c in enumerate(leaves)]
    wanted = keep[0]
    for other in keep[1:]:
        wanted = wanted | other
    return per.filter(wanted).order_by("customer_id")


def _kept(c: EventCondition, n: Any) -> Any:
    """Whether a customer with ``n`` counted events is in the condition's set (as _negated
    says: the customers for whom it is false when zero events satisfy it). Works on Ibis columns
    and numpy arrays alike."""
    if c.op == "none" or (c.op == "exactly" and c.count == 0):
        return n >= 1
    if c.op == "at_most":
        return n > c.count
    if c.op == "exactly":
        return n == c.count
    return n >= c.count


def _event_sets(table: pa.Table, leaves: list[EventCondition]) -> dict[int, np.ndarray]:
    """Per condition, the customers for whom it is true — or, for a condition that holds with
    zero events (``none``, ``at_most``, ``exactly 0``: see ``_negated``), false."""
    ids = np.asarray(table.column("customer_id").fill_null(-1).to_numpy(), dtype=np.int64)
    order = None if ids.size < 2 or bool(np.all(ids[1:] > ids[:-1])) else np.argsort(ids)
    if order is not None:
        ids = ids[order]
    sets = {}
    for i, c in enumerate(leaves):
        n = np.asarray(table.column(f"n{i}").to_numpy(), dtype=np.int64)
        keep = _kept(c, n if order is None else n[order])
        sets[id(c)] = ids[keep & (ids >= 0)]
    return sets


def _negated(c: Any) -> bool:
    if isinstance(c, EventCondition):
        return c.op in ("none", "at_most") or (c.op == "exactly" and c.count == 0)
    if isinstance(c, TagCondition):
        return c.op == "has_not"
    return isinstance(c, RfmCondition) and c.op == "not_in"


def _rfm_expression(inputs: sources.Inputs, c: RfmCondition, moment: Moment) -> ibis.Expr:
    scores = rfm.scores(
        inputs, rfm.RfmSpec(event=c.event), as_of_ts=moment.ts, as_of_day=moment.day
    )
    return scores.filter(scores.segment.isin(list(c.value))).select("customer_id")


def _lake_days(d: Definition, moment: Moment) -> list[Any] | None:
    """The lake days the engine conditions can touch; None: every day."""
    windows = []
    for c in d.leaves():
        if isinstance(c, RfmCondition) or (isinstance(c, EventCondition) and not c.within_days):
            return None
        if isinstance(c, EventCondition):
            windows.append(c.within_days)
    if not windows:
        return []
    # One local day more than the window: a day file holds a whole local day.
    first = moment.day - max(w for w in windows if w) - 1
    return [EPOCH + timedelta(days=n) for n in range(first, moment.day + 1)]


def _tag_sets(workspace: Workspace, d: Definition) -> dict[int, np.ndarray]:
    """Each tag condition's tagged customers, from the tag table's index (a subquery per
    customer row costs far more than these few thousand ids)."""
    through = Customer.tags.through.objects
    return {
        id(c): _ids(
            through.filter(tag__in=Tag.objects.filter(workspace=workspace, name=c.value)),
            "customer_id",
        )
        for c in d.leaves()
        if isinstance(c, TagCondition)
    }


def _engine_sets(
    workspace: Workspace, d: Definition, moment: Moment, engine: str | None
) -> dict[int, np.ndarray]:
    leaves = [c for c in d.leaves() if isinstance(c, EventCondition | RfmCondition)]
    if not leaves:
        return {}
    name = engines.resolve(engine)
    inputs = sources.gather(
        workspace=workspace, columns=sources.Columns(), tail_as_arrow=name != "postgres"
    )
    days = _lake_days(d, moment)
    if days is not None and inputs.lake_paths:
        inputs.lake_paths = lake.file_paths(workspace_id=workspace.pk, days=days)
    event_leaves = [c for c in leaves if isinstance(c, EventCondition)]
    rfm_leaves = [c for c in leaves if isinstance(c, RfmCondition)]
    exprs = [_rfm_expression(inputs, c, moment) for c in rfm_leaves]
    if event_leaves:
        exprs.append(_events_expression(inputs, event_leaves))
    results = engines.run_all(name, inputs, exprs, as_of_ts=moment.ts)
    sets = {id(c): _sorted_ids(r) for c, r in zip(rfm_leaves, results, strict=False)}
    if event_leaves:
        sets.update(_event_sets(results[-1], event_leaves))
    return sets


def _sorted_ids(table: pa.Table) -> np.ndarray:
    # Grouped by customer: each id once already.
    column = table.column("customer_id").drop_null()
    return np.sort(np.asarray(column.to_numpy(), dtype=np.int64))


# --- Combining ----------------------------------------------------------------------------------


@dataclass
class _Part:
    """A node's result: a SQL condition (no engine condition below it) or a set of ids."""

    q: Q | None = None
    ids: np.ndarray | None = None


class _Evaluation:
    """Evaluates a definition's tree. A group under an ``all`` gets the ids its siblings already
    allow (``domain``), so a "did not" inside it subtracts from those, not from every customer:
    the whole customer list is read only when nothing narrower is known."""

    def __init__(self, workspace: Workspace, sets: dict[int, np.ndarray]):
        self.workspace = workspace
        self.sets = sets
        self._universe: np.ndarray | None = None
        # A nested group's row-condition ids, read in its parent's scan: id(conditions) → ids.
        self.prefetched: dict[int, np.ndarray] = {}

    def universe(self) -> np.ndarray:
        if self._universe is None:
            self._universe = _ids(_customers(self.workspace))
        return self._universe

    def sql_ids(self, q: Q, key: int | None = None) -> np.ndarray:
        if key is not None and key in self.prefetched:
            return self.prefetched.pop(key)
        return _ids(_matching(self.workspace, q))

    def part(self, node: Any, domain: np.ndarray | None = None, scope: Q | None = None) -> _Part:
        """``domain``: the ids the siblings allow; ``scope``: their SQL condition, which narrows
        this node's SQL (fewer ids come back; the result is cut to ``domain`` anyway)."""
        if isinstance(node, Definition | Group):
            return self.group(node.match, node.conditions, domain, scope)
        if isinstance(node, EventCondition | RfmCondition | TagCondition):
            return _Part(ids=self.sets[id(node)])
        return _Part(q=_row_q(self.workspace, node))

    def group(
        self, match: str, conditions: list[Any], domain: np.ndarray | None, scope: Q | None
    ) -> _Part:
        q = _group_row_q(self.workspace, match, conditions)
        rest = [c for c in conditions if not _is_row(c)]
        if not rest:
            return _Part(q=q)
        if match == "all":
            return _Part(ids=self._all(q, rest, domain, scope, id(conditions)))
        return _Part(ids=self._any(q, rest, domain, scope, id(conditions)))

    def _all(
        self, q: Q | None, rest: list[Any], domain: np.ndarray | None, scope: Q | None, key: int
    ) -> np.ndarray:
        leaves = [c for c in rest if not isinstance(c, Group)]
        positive = sorted((self.sets[id(c)] for c in leaves if not _negated(c)), key=len)
        base = domain
        if q is not None:
            scoped = _both(scope, q)
            assert scoped is not None
            if key in self.prefetched:
                ids = self.prefetched.pop(key)
            else:
                # The nested groups' own row conditions come back from the same scan.
                nested = {
                    id(g.conditions): g_q
                    for g in rest
                    if isinstance(g, Group)
                    and (g_q := _group_row_q(self.workspace, g.match, g.conditions)) is not None
                }
                ids, *subsets = _ids_with(_matching(self.workspace, scoped), list(nested.values()))
                self.prefetched.update(zip(nested, subsets, strict=True))
            base = ids if base is None else _intersect(base, ids)
        for s in positive:
            base = s if base is None else _intersect(base, s)
        # Nested groups are evaluated inside what is known so far.
        for group in (c for c in rest if isinstance(c, Group)):
            inner = self.part(group, base, _both(scope, q))
            if inner.q is not None:
                inner_ids = self.sql_ids(inner.q)
            else:
                assert inner.ids is not None
                inner_ids = inner.ids
            base = inner_ids if base is None else _intersect(base, inner_ids)
        # Ids from events need no check against the customer table: erasure deletes a
        # customer's events with them, and merged ids are mapped to their survivor.
        if base is None:
            base = self.universe()
        for c in leaves:
            if _negated(c):
                base = _difference(base, self.sets[id(c)])
        return base

    def _any(
        self, q: Q | None, rest: list[Any], domain: np.ndarray | None, scope: Q | None, key: int
    ) -> np.ndarray:
        within = self.universe() if domain is None else domain
        found = []
        for c in rest:
            if isinstance(c, Group):
                inner = self.part(c, domain, scope)
                assert inner.ids is not None  # a group without engine conditions is a row one
                found.append(inner.ids)
                continue
            ids = self.sets[id(c)]
            found.append(_difference(within, ids) if _negated(c) else _intersect(within, ids))
        if q is not None:
            ids = self.sql_ids(_both(scope, q), key)  # type: ignore[arg-type]
            found.append(ids if domain is None else _intersect(domain, ids))
        return _union(found)


def _group_row_q(workspace: Workspace, match: str, conditions: list[Any]) -> Q | None:
    """The group's row conditions combined (AND for ``all``, OR for ``any``); None: none."""
    q = None
    for c in conditions:
        if _is_row(c):
            other = _row_q(workspace, c)
            q = other if q is None else q & other if match == "all" else q | other
    return q


def _both(a: Q | None, b: Q | None) -> Q | None:
    return b if a is None else a if b is None else a & b


def _is_row(c: Any) -> bool:
    """Decided by the customer row alone (SQL): a row condition, or a group of them."""
    if isinstance(c, Group):
        return all(_is_row(x) for x in c.conditions)
    return not isinstance(c, EventCondition | RfmCondition | TagCondition)


def evaluate(
    *,
    workspace: Workspace,
    definition: Any,
    engine: str | None = None,
    as_of: datetime | None = None,
) -> np.ndarray:
    """The workspace's customers matching ``definition``: sorted int64 customer ids."""
    d = parse_definition(definition)
    moment = Moment.of(as_of)
    sets = _engine_sets(workspace, d, moment, engine) | _tag_sets(workspace, d)
    top = _Evaluation(workspace, sets).part(d)
    if top.q is not None:
        return _ids(_matching(workspace, top.q))
    assert top.ids is not None
    return top.ids


def count(
    *,
    workspace: Workspace,
    definition: Any,
    engine: str | None = None,
    as_of: datetime | None = None,
) -> int:
    d = parse_definition(definition)
    moment = Moment.of(as_of)
    sets = _engine_sets(workspace, d, moment, engine) | _tag_sets(workspace, d)
    if d.match == "all" and d.conditions and all(_negated(c) for c in d.conditions):
        # Only "did not …": everyone but those who did. The ones who did are customers (see
        # _Evaluation._all), so a count of the table spares reading every id.
        did = _union([sets[id(c)] for c in d.conditions])
        return _customers(workspace).count() - len(did)
    top = _Evaluation(workspace, sets).part(d)
    if top.q is not None:
        return _matching(workspace, top.q).count()
    assert top.ids is not None
    return len(top.ids)


# --- Saved segments -----------------------------------------------------------------------------


def _not_found(segment_id: int) -> ServiceError:
    return NotFound(
        AnalyticsError.SEGMENT_NOT_FOUND, f"No segment {segment_id}", segment_id=segment_id
    )


def list_segments(*, workspace: Workspace) -> QuerySet[Segment]:
    return Segment.objects.filter(workspace=workspace).order_by("name", "id")


def get_segment(*, workspace: Workspace, segment_id: int) -> Segment:
    segment = Segment.objects.filter(workspace=workspace, pk=segment_id).first()
    if segment is None:
        raise _not_found(segment_id)
    return segment


def segment_customer_ids(
    *, workspace: Workspace, segment_id: int, as_of: datetime | None = None
) -> np.ndarray:
    """The saved segment's customers now: sorted int64 ids (the entry point for campaigns,
    surveys and any later feature that targets a segment)."""
    segment = get_segment(workspace=workspace, segment_id=segment_id)
    return evaluate(workspace=workspace, definition=segment.definition, as_of=as_of)


def save_segment(
    *,
    workspace: Workspace,
    name: str,
    definition: Any,
    description: str = "",
    segment_id: int | None = None,
    user: Any = None,
) -> Segment:
    """Create (no ``segment_id``) or replace a segment's name, description and definition."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise ServiceError(
            AnalyticsError.SEGMENT_INVALID,
            "A segment needs a name of 1–100 characters",
            field="name",
        )
    parsed = parse_definition(definition)
    stored = parsed.model_dump(mode="json", exclude_none=True)
    try:
        with transaction.atomic():
            if segment_id is None:
                return Segment.objects.create(
                    workspace=workspace,
                    name=name,
                    description=description.strip()[:500],
                    definition=stored,
                    created_by=user,
                )
            segment = get_segment(workspace=workspace, segment_id=segment_id)
            segment.name, segment.description, segment.definition = (
                name,
                description.strip()[:500],
                stored,
            )
            segment.save(update_fields=["name", "description", "definition", "updated_at"])
            return segment
    except IntegrityError:
        raise ServiceError(
            AnalyticsError.SEGMENT_NAME_TAKEN,
            f"A segment named {name!r} exists already",
            status=409,
            field="name",
        ) from None


def delete_segment(*, workspace: Workspace, segment_id: int) -> None:
    deleted, _ = Segment.objects.filter(workspace=workspace, pk=segment_id).delete()
    if not deleted:
        raise _not_found(segment_id)


def customers_page(
    *, workspace: Workspace, ids: np.ndarray, after_id: int = 0, limit: int = 50
) -> list[Customer]:
    """Up to ``limit`` of the segment's customers with an id above ``after_id``, in id order,
    with tags and identities loaded (for previews, exports and the API's pages)."""
    start = int(np.searchsorted(ids, after_id, side="right"))
    chunk = [int(i) for i in ids[start : start + limit]]
    return list(
        _customers(workspace)
        .filter(id__in=chunk)
        .order_by("id")
        .prefetch_related("tags", "identities")
    )
