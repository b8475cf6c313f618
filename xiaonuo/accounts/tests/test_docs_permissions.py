"""docs/permissions.md shows ROLE_PERMISSIONS as a table; this keeps the two in step.

On failure, paste the expected table printed below between the markers in the doc.
"""

from django.utils import translation

from xiaonuo.accounts.permissions import ROLE_PERMISSIONS, Perm, Role
from xiaonuo.accounts.tests.processes import REPO

DOC = REPO / "docs" / "permissions.md"
START = "<!-- table generated from xiaonuo/accounts/permissions.py: start -->"
END = "<!-- table generated from xiaonuo/accounts/permissions.py: end -->"


def render_table() -> str:
    roles = list(Role)
    with translation.override("zh-hans"):
        header = (
            "| permission | " + " | ".join(f"{role.value} ({role.label})" for role in roles) + " |"
        )
    rule = "|---|" + "---|" * len(roles)
    rows = [
        f"| `{perm.value}` | "
        + " | ".join("✓" if perm in ROLE_PERMISSIONS[role] else "" for role in roles)
        + " |"
        for perm in Perm
    ]
    return "\n".join([header, rule, *rows])


def test_the_permissions_doc_shows_exactly_what_the_code_grants() -> None:
    # Given the role × permission table in the code
    expected = render_table()

    # When the doc's generated section is read
    text = DOC.read_text(encoding="utf-8")
    documented = text.split(START, 1)[1].split(END, 1)[0].strip()

    # Then they match, cell for cell
    assert documented == expected, (
        f"docs/permissions.md is out of date; the table should be:\n{expected}"
    )
