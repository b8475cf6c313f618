import pytest

from xiaonuo.testing import Cast, make_cast


@pytest.fixture
def cast(db) -> Cast:
    return make_cast()


@pytest.fixture(autouse=True)
def _own_lake(settings, tmp_path_factory):
    """Each test writes its Parquet files to a lake of its own: the test databases are per
    worker and rolled back, files on disk are not."""
    settings.LAKE_DIR = tmp_path_factory.mktemp("lake")
