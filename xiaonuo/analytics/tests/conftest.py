import os

import pytest

# Every report runs on every engine the suite can reach: DuckDB and Spark (local mode) always,
# PostgreSQL when the suite itself runs on PostgreSQL (the engine reads the main database).
ENGINES = ["duckdb", "spark"] + (
    ["postgres"] if os.environ.get("DATABASE_URL", "").startswith("postgres") else []
)


@pytest.fixture(params=ENGINES)
def engine(request):
    return request.param
