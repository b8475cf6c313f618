"""The lake files' customer filters: a timeline reads only the files that may hold the person,
and never misses one that does."""

import numpy as np
import pytest

from xiaonuo.events import lake, lake_index
from xiaonuo.events import selectors as events_selectors
from xiaonuo.events.tests.test_lake import customer_of, import_lines

pytestmark = pytest.mark.django_db


def test_a_filter_admits_every_member_and_few_others():
    rng = np.random.default_rng(7)
    members = rng.choice(10_000_000, size=30_000, replace=False)
    found = lake_index.CustomerFilter.of(members)
    assert all(found.may_hold_any(lake_index.hashes_of([m])) for m in members[::7].tolist())
    others = np.setdiff1d(rng.choice(10_000_000, size=20_000, replace=False), members)
    admitted = sum(found.may_hold_any(lake_index.hashes_of([o])) for o in others.tolist())
    assert admitted / len(others) < 0.06  # about 3 % by design
    assert not found.may_hold_any([])
    assert found.may_hold_any(lake_index.hashes_of([int(others[0]), int(members[0])]))


def test_a_timeline_reads_only_the_days_of_the_person_and_misses_nothing(cast, tmp_path):
    import_lines(
        cast.shop,
        tmp_path,
        "track,m-1,,看菜单,{},2026-09-01T12:00:00+08:00,a1",
        "track,m-2,,下单,{},2026-09-02T12:00:00+08:00,b1",
        "track,m-1,,支付成功,{},2026-09-03T12:00:00+08:00,a2",
    )
    paths = lake.file_paths(workspace_id=cast.shop.pk)
    assert len(paths) == 3
    lake_index.build_now(paths)
    first, second = customer_of(cast.shop, "m-1"), customer_of(cast.shop, "m-2")
    assert lake_index.files_for(paths, [first]) == [paths[0], paths[2]]
    assert lake_index.files_for(paths, [second]) == [paths[1]]
    assert lake_index.files_for(paths, [first, second]) == paths
    timeline = events_selectors.list_customer_events(
        workspace=cast.shop, customer_id=first, limit=10
    )
    assert [e.name for e in timeline] == ["支付成功", "看菜单"]


def test_a_file_without_a_filter_is_always_read(tmp_path):
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    lake_index.build_now([str(broken)])
    assert lake_index.files_for([str(broken)], [42]) == [str(broken)]
    unseen = str(tmp_path / "new.parquet")  # not built yet: read, and queued for the builder
    assert lake_index.files_for([unseen], [42]) == [unseen]
