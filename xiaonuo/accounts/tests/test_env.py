"""The settings helpers fail loudly: a typo in the environment stops start-up with a message."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from xiaonuo.lib.env import env_bool, env_choice, env_int, env_list, env_path, env_str


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("TRUE", True),
        (" yes ", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("", False),
    ],
)
def test_booleans_accept_the_usual_spellings(monkeypatch, raw, expected) -> None:
    # Given the variable set to a usual spelling
    monkeypatch.setenv("XN_FLAG", raw)

    # When it is read, then it means what a person would expect
    assert env_bool("XN_FLAG", not expected) is expected


def test_a_boolean_that_is_neither_true_nor_false_stops_start_up(monkeypatch) -> None:
    # Given DEBUG=maybe
    monkeypatch.setenv("XN_FLAG", "maybe")

    # When it is read, then start-up fails naming the variable and the value
    with pytest.raises(ImproperlyConfigured, match=r"XN_FLAG='maybe'.*'true' or 'false'"):
        env_bool("XN_FLAG", False)


def test_unset_variables_take_their_defaults(monkeypatch) -> None:
    # Given nothing set
    for name in ("XN_FLAG", "XN_INT", "XN_CHOICE", "XN_LIST", "XN_PATH", "XN_STR"):
        monkeypatch.delenv(name, raising=False)

    # When read, then each default comes back unchanged
    assert env_bool("XN_FLAG", True) is True
    assert env_int("XN_INT", 7) == 7
    assert env_choice("XN_CHOICE", "duckdb", ("duckdb", "spark")) == "duckdb"
    assert env_list("XN_LIST", ["a"]) == ["a"]
    assert env_path("XN_PATH", Path("/srv/x")) == Path("/srv/x")
    assert env_str("XN_STR", "d") == "d"


def test_whole_numbers_are_read_and_checked_against_a_minimum(monkeypatch) -> None:
    # Given WEB_CONCURRENCY=4
    monkeypatch.setenv("XN_INT", "4")

    # When read with a minimum of 1, then it is 4
    assert env_int("XN_INT", 2, minimum=1) == 4

    # And zero is refused
    monkeypatch.setenv("XN_INT", "0")
    with pytest.raises(ImproperlyConfigured, match="XN_INT=0 is below the minimum of 1"):
        env_int("XN_INT", 2, minimum=1)


def test_a_number_that_is_not_a_whole_number_stops_start_up(monkeypatch) -> None:
    # Given WEB_CONCURRENCY=two
    monkeypatch.setenv("XN_INT", "two")

    # When it is read, then start-up fails with a clear message
    with pytest.raises(ImproperlyConfigured, match=r"XN_INT='two'; expected a whole number"):
        env_int("XN_INT", 2)


def test_a_choice_outside_the_list_names_the_allowed_values(monkeypatch) -> None:
    # Given ANALYTICS_ENGINE=oracle
    monkeypatch.setenv("XN_CHOICE", "oracle")

    # When it is read, then the error lists what is allowed
    with pytest.raises(ImproperlyConfigured, match="choose one of duckdb, spark, postgres"):
        env_choice("XN_CHOICE", "duckdb", ("duckdb", "spark", "postgres"))


def test_a_choice_is_case_insensitive(monkeypatch) -> None:
    # Given a value in capitals
    monkeypatch.setenv("XN_CHOICE", "Spark")

    # When it is read, then it is the lower-case choice
    assert env_choice("XN_CHOICE", "duckdb", ("duckdb", "spark")) == "spark"


def test_lists_are_comma_separated_and_ignore_blanks(monkeypatch) -> None:
    # Given ALLOWED_HOSTS with spaces and a trailing comma
    monkeypatch.setenv("XN_LIST", " a.example.com, b.example.com ,")

    # When read, then each host is clean
    assert env_list("XN_LIST", []) == ["a.example.com", "b.example.com"]


def test_paths_are_made_absolute(monkeypatch, tmp_path) -> None:
    # Given a relative data directory
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XN_PATH", "data")

    # When read, then it is absolute under the current directory
    assert env_path("XN_PATH", Path("/unused")) == tmp_path / "data"
