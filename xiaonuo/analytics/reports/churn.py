"""Churn risk per customer from behaviour, with its AUC on a time-based split.

Features at a cutoff (integers, the same on every engine): days since the last event, days since
the first, events in the last 30 and 90 days, active days in the last 90, all events, and spend.
A customer "churned" after a cutoff when they did nothing in the next ``horizon_days``.

Time-based split, so the reported AUC is what the score would have achieved: the model is fitted
on features at ``as_of − 2 × horizon`` with what happened in the following horizon, evaluated on
features at ``as_of − horizon`` against the horizon after that (which the model never saw), and
the same model scores every customer at ``as_of``. A logistic regression on log-scaled features:
small, fast on a million customers, and its weights can be read.
"""

import math
from dataclasses import dataclass

import ibis
import numpy as np
import pyarrow as pa
from ibis.expr.types import Table

from xiaonuo.analytics.reports.common import events
from xiaonuo.analytics.sources import Inputs

DAY = 86_400
FEATURES = (
    "recency_days",
    "tenure_days",
    "events_30",
    "events_90",
    "active_days_90",
    "events_all",
    "spend_cents",
)
MIN_PER_CLASS = 5  # fewer churned or retained customers than this: no model, no AUC


@dataclass(frozen=True)
class ChurnRow:
    customer_id: int
    risk: float  # probability of no activity in the next horizon, 0–1
    recency_days: int
    events_90: int


@dataclass
class ChurnResult:
    rows: list[ChurnRow]
    auc: float | None
    train_customers: int
    test_customers: int
    train_churn_rate: float | None
    horizon_days: int
    note: str = ""  # why there is no model, when there is none


def features(inputs: Inputs, *, cutoff_ts: int, as_of_ts: int) -> Table:
    t = events(inputs, as_of_ts=as_of_ts)
    t = t.filter(t.ts <= cutoff_ts)
    recent30, recent90 = t.ts > cutoff_ts - 30 * DAY, t.ts > cutoff_ts - 90 * DAY
    c = t.group_by("customer_id").agg(
        last_ts=t.ts.max(),
        first_ts=t.ts.min(),
        events_30=t.ts.count(where=recent30),
        events_90=t.ts.count(where=recent90),
        active_days_90=t.day.nunique(where=recent90),
        events_all=t.count(),
        spend_cents=t.amount_cents.sum().fill_null(0),
    )
    return c.select(
        "customer_id",
        recency_days=(cutoff_ts - c.last_ts) // DAY,
        tenure_days=(cutoff_ts - c.first_ts) // DAY,
        events_30=c.events_30,
        events_90=c.events_90,
        active_days_90=c.active_days_90,
        events_all=c.events_all,
        spend_cents=c.spend_cents,
    )


def labelled(inputs: Inputs, *, cutoff_ts: int, horizon_days: int, as_of_ts: int) -> Table:
    f = features(inputs, cutoff_ts=cutoff_ts, as_of_ts=as_of_ts)
    t = events(inputs, as_of_ts=as_of_ts)
    later = t.filter(t.ts > cutoff_ts, t.ts <= cutoff_ts + horizon_days * DAY)
    back = later.select(back_id=later.customer_id).distinct()
    j = f.left_join(back, f.customer_id == back.back_id)
    return j.mutate(churned=ibis.ifelse(j.back_id.isnull(), 1, 0)).drop("back_id")


def matrix(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Rows in customer order (a stable fit), features log-scaled."""
    table = table.sort_by("customer_id")
    x = np.column_stack([np.asarray(table[f].to_pylist(), dtype=float) for f in FEATURES])
    return np.log1p(np.clip(x, 0, None)), table["customer_id"].to_numpy()


def fit_and_score(
    train: pa.Table, test: pa.Table, current: pa.Table, *, horizon_days: int
) -> ChurnResult:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    result = ChurnResult(
        rows=[],
        auc=None,
        train_customers=train.num_rows,
        test_customers=test.num_rows,
        train_churn_rate=None,
        horizon_days=horizon_days,
    )
    y_train = np.asarray(train.sort_by("customer_id")["churned"].to_pylist())
    y_test = np.asarray(test.sort_by("customer_id")["churned"].to_pylist())
    if train.num_rows:
        result.train_churn_rate = round(float(y_train.mean()), 4)
    if min(_class_sizes(y_train)) < MIN_PER_CLASS or min(_class_sizes(y_test)) < MIN_PER_CLASS:
        result.note = "not_enough_history"
        return result
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    x_train, _ = matrix(train)
    model.fit(x_train, y_train)
    x_test, _ = matrix(test)
    result.auc = round(float(roc_auc_score(y_test, model.predict_proba(x_test)[:, 1])), 4)
    if current.num_rows:
        x_now, ids = matrix(current)
        risk = model.predict_proba(x_now)[:, 1]
        ordered = current.sort_by("customer_id")
        recency = ordered["recency_days"].to_pylist()
        events_90 = ordered["events_90"].to_pylist()
        result.rows = sorted(
            (
                ChurnRow(
                    customer_id=int(ids[i]),
                    risk=round(float(risk[i]), 4),
                    recency_days=int(recency[i]),
                    events_90=int(events_90[i]),
                )
                for i in range(len(ids))
            ),
            key=lambda r: (-r.risk, r.customer_id),
        )
    return result


def _class_sizes(y: np.ndarray) -> tuple[int, int]:
    churned = int(y.sum()) if len(y) else 0
    return churned, len(y) - churned


def risk_band(risk: float) -> str:
    return "high" if risk >= 0.7 else "medium" if risk >= 0.4 else "low"


def is_finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)
