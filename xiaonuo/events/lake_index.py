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
    bits: bytes  # one bit per slot: slot i is bit i % 8 of byte i // 8
    slots: int

    @classmethod
    def of(cls, customer_ids: np.ndarray) -> "CustomerFilter":
        ids = np.unique(customer_ids.astype(np.int64))
        slots = max(64, len(ids) * BITS_PER_ID)
        low, high = _hashes(ids)
        flags = np.zeros(slots, dtype=bool)
        for i in range(PROBES):
            flags[((low + np.uint64(i) * high) % np.uint64(slots)).astype(np.int64)] = True
        return cls(bits=np.packbits(flags, bitorder="little").tobytes(), slots=slots)

    def may_hold_any(self, hashed: Sequence[tuple[int, int]]) -> bool:
        """``hashed``: ``hashes_of`` the ids. Plain integers: a timeline asks 180 filters
        about one or two ids, where NumPy's per-call overhead would be most of the time."""
        bits, slots = self.bits, self.slots
        for low, high in hashed:
            for i in range(PROBES):
                slot = (low + i * high) % slots
                if not (bits[slot >> 3] >> (slot & 7)) & 1:
                    break
            else:
                return True
        return False


def _hashes(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two 32-bit hashes per id (SplitMix64's finaliser, split), for double hashing."""
    with np.errstate(over="ignore"):
        z = ids.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return z & np.uint64(0xFFFFFFFF), z >> np.uint64(32)


def hashes_of(customer_ids: Iterable[int]) -> list[tuple[int, int]]:
    low, high = _hashes(np.fromiter(customer_ids, dtype=np.int64))
    return list(zip(low.tolist(), high.tolist(), strict=True))


def files_for(paths: Sequence[str], customer_ids: Iterable[int]) -> list[str]:
    """The files among ``paths`` that may hold events of these customers (in order)."""
    hashed = hashes_of(customer_ids)
    missing = [path for path in paths if path not in _filters]
    if missing:
        build_later(missing)
    if not hashed:
        return list(paths)
    kept = []
    for path in paths:
        found = _filters.get(path)
        if found is None or found.may_hold_any(hashed):
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
