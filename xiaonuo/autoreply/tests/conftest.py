import pytest

from xiaonuo.autoreply import engine


@pytest.fixture(autouse=True)
def _fresh_brains():
    # Each test's database starts over (same workspace ids, same revisions): a matcher cached by
    # an earlier test must not answer for this one.
    engine.forget()
    yield
    engine.forget()
