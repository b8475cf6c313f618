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
from django.db.models import Q, QuerySet
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
    return q if builtin else is_set & q


def _tag_q(workspace: Workspace, c: TagCondition) -> Q:
    tagged = Customer.tags.through.objects.filter(
        tag__in=Tag.objects.filter(workspace=workspace, name=c.value)
    ).values("customer_id")
    return ~Q(id__in=tagged) if c.op == "has_not" else Q(id__in=tagged)


def _row_q(workspace: Workspace, c: Any) -> Q:
    if isinstance(c, AttributeCondition):
        return _attribute_q(c)
    if isinstance(c, TagCondition):
        return _tag_q(workspace, c)
    if isinstance(c, StageCondition):
        q = Q(lifecycle_stage__in=[str(s) for s in c.value])
        return ~q if c.op == "not_in" else q
    assert isinstance(c, SeedCondition)
    return Q(is_seed=c.value)


def _customers(workspace: Workspace) -> QuerySet[Customer]:
    return Customer.objects.filter(workspace=workspace)


def _ids(qs: QuerySet[Customer]) -> np.ndarray:
    """The queryset's customer ids, sorted. One row comes back (the ids joined with commas)
    rather than a million: fetching rows one by one costs more than the query."""
    sql, params = qs.order_by().values("id").query.sql_with_params()
    if connection.vendor == "postgresql":
        wrapped = f"SELECT string_agg(id::text, ',') FROM ({sql}) q"  # noqa: S608
    else:
        wrapped = f"SELECT group_concat(id) FROM ({sql}) q"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(wrapped, params)
        row = cursor.fetchone()
    text = row[0] if row else None
    if not text:
        return EMPTY
    ids = np.array(text.split(","), dtype=np.int64)
    ids.sort()
    return ids


# --- Event and RFM conditions: the analytics engine ----------------------------------------------


def _event_expression(inputs: sources.Inputs, c: EventCondition, moment: Moment) -> ibis.Expr:
    """The customers for whom the condition is false when zero events satisfy it (``none``,
    ``at_most``, ``exactly 0``), else those for whom it is true: see ``_negated``."""
    t = events(inputs, as_of_ts=moment.ts)
    t = t.filter(t.name == c.event)
    if c.within_days is not None:
        t = t.filter(t.ts > moment.ts - c.within_days * 86400)
    per = t.group_by("customer_id").agg(n=t.count())
    if c.op == "none":
        keep = per.n >= 1
    elif c.op == "at_most":
        keep = per.n > c.count
    elif c.op == "exactly":
        keep = per.n != c.count if c.count == 0 else per.n == c.count
    else:
        keep = per.n >= c.count
    return per.filter(keep).select("customer_id")


def _negated(c: Any) -> bool:
    if isinstance(c, EventCondition):
        return c.op in ("none", "at_most") or (c.op == "exactly" and c.count == 0)
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
    exprs = [
        _event_expression(inputs, c, moment)
        if isinstance(c, EventCondition)
        else _rfm_expression(inputs, c, moment)
        for c in leaves
    ]
    results = engines.run_all(name, inputs, exprs)
    return {id(c): _sorted_ids(r) for c, r in zip(leaves, results, strict=True)}


def _sorted_ids(table: pa.Table) -> np.ndarray:
    column = table.column("customer_id").drop_null()
    ids = np.asarray(column.to_numpy(), dtype=np.int64)
    return np.unique(ids)


# --- Combining ----------------------------------------------------------------------------------


@dataclass
class _Part:
    """A node's result: a SQL condition (no engine condition below it) or a set of ids."""

    q: Q | None = None
    ids: np.ndarray | None = None


class _Evaluation:
    def __init__(self, workspace: Workspace, sets: dict[int, np.ndarray]):
        self.workspace = workspace
        self.sets = sets
        self._universe: np.ndarray | None = None

    def universe(self) -> np.ndarray:
        if self._universe is None:
            self._universe = _ids(_customers(self.workspace))
        return self._universe

    def part(self, node: Any) -> _Part:
        if isinstance(node, Definition | Group):
            return self.group(node.match, node.conditions)
        if isinstance(node, EventCondition | RfmCondition):
            return _Part(ids=self.sets[id(node)])
        return _Part(q=_row_q(self.workspace, node))

    def group(self, match: str, conditions: list[Any]) -> _Part:
        qs: list[Q] = []
        positive: list[np.ndarray] = []
        negative: list[np.ndarray] = []
        for node in conditions:
            p = self.part(node)
            if p.q is not None:
                qs.append(p.q)
            elif _negated(node):
                negative.append(p.ids)  # type: ignore[arg-type]
            else:
                positive.append(p.ids)  # type: ignore[arg-type]
        q = None
        if qs:
            q = qs[0]
            for other in qs[1:]:
                q = q & other if match == "all" else q | other
        if not positive and not negative:
            return _Part(q=q)
        if match == "all":
            return _Part(ids=self._all(q, positive, negative))
        return _Part(ids=self._any(q, positive, negative))

    def _all(
        self, q: Q | None, positive: list[np.ndarray], negative: list[np.ndarray]
    ) -> np.ndarray:
        # Start from the smallest known set; "not" sets only ever remove ids.
        sets = sorted(positive, key=len)
        if q is not None:
            base = _ids(_customers(self.workspace).filter(q))
        elif sets:
            base = np.intersect1d(sets.pop(0), self.universe(), assume_unique=True)
        else:
            base = self.universe()
        for s in sets:
            base = np.intersect1d(base, s, assume_unique=True)
        for s in negative:
            base = np.setdiff1d(base, s, assume_unique=True)
        return base

    def _any(
        self, q: Q | None, positive: list[np.ndarray], negative: list[np.ndarray]
    ) -> np.ndarray:
        found = [np.intersect1d(s, self.universe(), assume_unique=True) for s in positive]
        found += [np.setdiff1d(self.universe(), s, assume_unique=True) for s in negative]
        if q is not None:
            found.append(_ids(_customers(self.workspace).filter(q)))
        return np.unique(np.concatenate(found))


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
    top = _Evaluation(workspace, _engine_sets(workspace, d, moment, engine)).part(d)
    if top.q is not None:
        return _ids(_customers(workspace).filter(top.q))
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
    top = _Evaluation(workspace, _engine_sets(workspace, d, moment, engine)).part(d)
    if top.q is not None:
        return _customers(workspace).filter(top.q).count()
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
