"""``xiaonuo compilemessages_check``: fail if a committed .mo does not match its .po.

GNU gettext is a development tool only; this check runs anywhere, with polib to read the .po and
the standard library's ``gettext`` to read the .mo, so ``make test`` needs no system packages.

Catalogues: the platform's in ``xiaonuo/locale`` (accounts, customers, events, console, demo, lib)
and one per later app in ``xiaonuo/<app>/locale`` (desk, nlp, …), so that work on different apps
never edits the same file. To update them after changing strings (needs Debian's ``gettext``)::

    # the platform catalogue: skip the apps that keep their own
    cd xiaonuo && django-admin makemessages -l en --no-obsolete -i 'static/*' -i '*/tests/*' \
        $(for d in */locale; do printf -- "-i %s/* " "${d%/locale}"; done)
    # an app's own catalogue
    cd xiaonuo/desk && django-admin makemessages -l en --no-obsolete -i 'tests/*'
    # translate every new entry in the .po, then, in the same directory
    django-admin compilemessages -l en
"""

import gettext
from pathlib import Path
from typing import Any

import polib
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

CONTEXT_SEPARATOR = "\x04"


def locale_roots() -> list[Path]:
    """LOCALE_PATHS and the ``locale`` directory of every installed app of ours."""
    roots = [Path(root) for root in settings.LOCALE_PATHS]
    roots += [
        Path(config.path) / "locale"
        for config in apps.get_app_configs()
        if config.name.startswith("xiaonuo.") and (Path(config.path) / "locale").is_dir()
    ]
    return roots


def catalogue_problems(po_path: Path) -> list[str]:
    """Everything wrong with one language: untranslated or fuzzy entries, and .mo drift."""
    problems: list[str] = []
    po = polib.pofile(str(po_path))
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        return [f"{mo_path} is missing; run compilemessages"]
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r}")
        elif not entry.translated():
            problems.append(f"untranslated: {entry.msgid!r}")
    with mo_path.open("rb") as handle:
        compiled: dict[Any, str] = dict(gettext.GNUTranslations(handle)._catalog)  # type: ignore[attr-defined]
    compiled.pop("", None)  # the header
    expected = _expected_catalogue(po)
    problems.extend(
        f"stale .mo: {key!r} is {compiled.get(key)!r} in .mo, {expected.get(key)!r} in .po"
        for key in sorted(set(expected) | set(compiled), key=str)
        if expected.get(key) != compiled.get(key)
    )
    return problems


def _expected_catalogue(po: polib.POFile) -> dict[Any, str]:
    """The catalogue msgfmt would build from the .po: translated, non-fuzzy entries only."""
    catalogue: dict[Any, str] = {}
    for entry in po.translated_entries():
        msgid = f"{entry.msgctxt}{CONTEXT_SEPARATOR}{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            for index, text in entry.msgstr_plural.items():
                catalogue[(msgid, int(index))] = text
        else:
            catalogue[msgid] = entry.msgstr
    return catalogue


class Command(BaseCommand):
    help = "Exit non-zero if a compiled .mo catalogue is stale or a .po has untranslated/fuzzy entries."

    def handle(self, *args: Any, **options: Any) -> None:
        po_files = sorted(
            p for root in locale_roots() for p in root.glob("*/LC_MESSAGES/django.po")
        )
        if not po_files:
            raise CommandError("No catalogues found under LOCALE_PATHS")
        failed = False
        for po_path in po_files:
            problems = catalogue_problems(po_path)
            for problem in problems:
                self.stderr.write(f"{po_path}: {problem}")
            failed = failed or bool(problems)
        if failed:
            raise CommandError("Message catalogues are out of date (see above)")
        self.stdout.write(f"{len(po_files)} catalogue(s) translated and compiled")
