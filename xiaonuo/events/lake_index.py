"""Which lake files can hold a customer's events: one Bloom filter of customer ids per file.

A day file holds a few percent of a workspace's customers, yet DuckDB spends about 0.3 ms
opening and pruning every file it is given: over half a year of days that was most of a
timeline page (p50 76 ms in-process on 10M events). Given only the files whose filter admits
the person (about 11 of 180 in that benchmark) the same page took 15 ms.

Each process keeps the filters in memory, keyed by path: a lake file never changes in place (a
rewrite gets a new name), so a filter never goes stale. They are built from the files'
``customer_id`` column by a background thread (the web process's warm-up asks for all of
them; a file a request meets first is queued then) and a request never waits for one: a file
without a filter yet is read, as before. A Bloom filter has false positives (about 3 % at
``BITS_PER_ID``; each costs one file's read) and no false negatives, so no event is missed.

Written here rather than taken from a library: the filters are built and queried over NumPy
arrays of ids (millions at a time), which the Python Bloom filter packages, working one item
at a time, do hundreds of times slower.
"""

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

logger = logging.getLogger(__name__)

BITS_PER_ID = 8  # one byte per distinct customer of a file: ~3 % false positives with 3 probes
PROBES = 3

_filters: dict[str, "CustomerFilter | None"] = {}  # None: unreadable, always read the file
_queued: list[str] = []
_queue_guard = threading.Lock()
_builder: threading.Thread | None = None


@dataclass(frozen=True, slots=True)
class CustomerFilter:
    bits: np.ndarray  # uint8, one bit per slot, slot i in byte i // 8 at bit i % 8
    slots: int

    @classmethod
    def of(cls, customer_ids: np.ndarray) -> "CustomerFilter":
        ids = np.unique(customer_ids.astype(np.int64))
        slots = max(64, len(ids) * BITS_PER_ID)
        flags = np.zeros(slots, dtype=bool)
        for slot in _slots(ids, slots):
            flags[slot] = True
        return cls(bits=np.packbits(flags, bitorder="little"), slots=slots)

    def may_hold_any(self, customer_ids: np.ndarray) -> bool:
        found = np.ones(len(customer_ids), dtype=bool)
        for slot in _slots(customer_ids, self.slots):
            found &= ((self.bits[slot >> 3] >> (slot & 7)) & 1).astype(bool)
        return bool(found.any())


def _slots(ids: np.ndarray, slots: int) -> list[np.ndarray]:
    """``PROBES`` slot numbers per id: SplitMix64's finaliser, then double hashing."""
    with np.errstate(over="ignore"):
        z = ids.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
        low, high = z & np.uint64(0xFFFFFFFF), z >> np.uint64(32)
        n = np.uint64(slots)
        return [((low + np.uint64(i) * high) % n).astype(np.int64) for i in range(PROBES)]


def files_for(paths: Sequence[str], customer_ids: Iterable[int]) -> list[str]:
    """The files among ``paths`` that may hold events of these customers (in order)."""
    ids = np.fromiter(customer_ids, dtype=np.int64)
    missing = [path for path in paths if path not in _filters]
    if missing:
        build_later(missing)
    if not len(ids):
        return list(paths)
    kept = []
    for path in paths:
        found = _filters.get(path)
        if found is None or found.may_hold_any(ids):
            kept.append(path)
    return kept


def build_now(paths: Iterable[str]) -> None:
    """Build the filters of these files in this thread (warm-up, tests)."""
    for path in paths:
        if path not in _filters:
            _filters[path] = _read(path)


def build_later(paths: Iterable[str]) -> None:
    """Queue these files for the process's builder thread (started when needed)."""
    global _builder
    with _queue_guard:
        _queued.extend(paths)
        if _builder is None or not _builder.is_alive():
            _builder = threading.Thread(target=_drain, name="xiaonuo-lake-index", daemon=True)
            _builder.start()


def _drain() -> None:
    while True:
        with _queue_guard:
            if not _queued:
                return
            path = _queued.pop()
        if path not in _filters:
            _filters[path] = _read(path)


def _read(path: str) -> CustomerFilter | None:
    try:
        column = pq.read_table(path, columns=["customer_id"]).column(0).drop_null()
    except (OSError, pa.ArrowException):
        logger.warning("lake file %s: no customer filter (unreadable); it is always read", path)
        return None
    return CustomerFilter.of(column.to_numpy())
