"""The README's configuration table covers every variable that settings.py reads."""

import re

from xiaonuo.accounts.tests.processes import REPO

README = REPO / "README.md"
SETTINGS = REPO / "xiaonuo" / "settings.py"


def _variables_read_by_settings() -> set[str]:
    return set(
        re.findall(r"\benv_[a-z]+\(\s*\"([A-Z0-9_]+)\"", SETTINGS.read_text(encoding="utf-8"))
    )


def _variables_in_readme_table() -> set[str]:
    return set(
        re.findall(r"^\| `([A-Z0-9_]+)` \|", README.read_text(encoding="utf-8"), flags=re.MULTILINE)
    )


def test_every_environment_variable_read_by_settings_is_in_the_readme_table() -> None:
    # Given the variables settings.py reads
    read = _variables_read_by_settings()

    # When the README's table is read
    documented = _variables_in_readme_table()

    # Then none is missing, and the table names no variable that settings no longer reads
    assert read, "found no env_*() calls in settings.py; has the reader changed?"
    assert read - documented == set(), "add these to the README's configuration table"
    assert documented - read == set(), (
        "remove these from the README's table (or read them in settings.py)"
    )


def test_the_readme_keeps_the_two_commands_and_the_license() -> None:
    # Given the README
    text = README.read_text(encoding="utf-8")

    # Then a newcomer finds the two commands, the address and the license
    assert "make run" in text and "make test" in text and "http://127.0.0.1:8000" in text
    assert "Apache" in text and "满意 + 惊喜 = 感动" in text
