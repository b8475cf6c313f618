"""The English catalogue is complete and its committed .mo matches the .po."""

import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from xiaonuo.accounts.models import AuditAction
from xiaonuo.accounts.permissions import Role
from xiaonuo.console.management.commands.compilemessages_check import (
    catalogue_problems,
    locale_roots,
)
from xiaonuo.console.navigation import AREAS
from xiaonuo.customers.models import ConsentPurpose, IdentityKind, LifecycleStage

EN_PO = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize(
    "po_path",
    sorted(p for root in locale_roots() for p in root.glob("en/LC_MESSAGES/django.po")),
    ids=str,
)
def test_every_english_catalogue_has_no_untranslated_or_fuzzy_entries_and_the_mo_is_in_sync(
    po_path,
):
    assert catalogue_problems(po_path) == []


def test_the_check_command_passes_on_the_committed_catalogue():
    call_command("compilemessages_check")


def test_a_po_edited_without_recompiling_is_reported_stale(tmp_path):
    po_path = tmp_path / "django.po"
    shutil.copy(EN_PO, po_path)
    shutil.copy(EN_PO.with_suffix(".mo"), tmp_path / "django.mo")
    po = polib.pofile(str(po_path))
    po.find("设置").msgstr = "Preferences"
    po.append(polib.POEntry(msgid="新的字符串", msgstr=""))
    po.save()
    problems = catalogue_problems(po_path)
    assert any("stale .mo" in p and "设置" in p for p in problems)
    assert any("untranslated" in p and "新的字符串" in p for p in problems)


def test_the_check_command_exits_non_zero_when_a_catalogue_is_stale(tmp_path, settings):
    target = tmp_path / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(EN_PO.with_suffix(".mo"), target / "django.mo")
    po = polib.pofile(str(EN_PO))
    po.find("设置").msgstr = "Preferences"
    po.save(str(target / "django.po"))
    settings.LOCALE_PATHS = [tmp_path]
    with pytest.raises(CommandError):
        call_command("compilemessages_check")


@pytest.mark.parametrize(
    "label",
    [
        *[label for _, label in Role.choices],
        *[label for _, label in LifecycleStage.choices],
        *[label for _, label in IdentityKind.choices if label != "QQ"],
        *[label for _, label in ConsentPurpose.choices],
        *[label for _, label in AuditAction.choices],
        *[area.label for area in AREAS],
        *[area.description for area in AREAS],
    ],
    ids=str,
)
def test_model_permission_and_navigation_labels_have_english_translations(label):
    with translation.override("en"):
        english = str(label)
    with translation.override("zh-hans"):
        chinese = str(label)
    assert english != chinese
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english), english
