"""The per-process matcher cache: a change of the knowledge base reaches every process through
the revision, and a rebuild in production never holds up the requests."""

import threading
import time

import pytest

from xiaonuo.accounts.services import Actor
from xiaonuo.autoreply import engine
from xiaonuo.autoreply import selectors as autoreply_selectors
from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply.services import Answer, FaqInput
from xiaonuo.testing import make_workspace


def _add(workspace, question):
    autoreply_services.create_entry(
        workspace=workspace,
        data=FaqInput(question=question, answer=Answer(text=f"{question}的回答")),
        actor=Actor(),
    )


# A real commit is needed: the background thread reads through its own connection.
@pytest.mark.django_db(transaction=True)
def test_a_changed_knowledge_base_is_rebuilt_in_the_background_while_answers_go_on(settings):
    settings.AUTOREPLY_REBUILD_IN_BACKGROUND = True
    workspace = make_workspace(slug="bg")
    _add(workspace, "多久发货")
    first = engine.brain_for(autoreply_selectors.get_settings(workspace=workspace))
    _add(workspace, "怎么退款")

    started = time.perf_counter()
    meanwhile = engine.brain_for(autoreply_selectors.get_settings(workspace=workspace))
    waited = time.perf_counter() - started

    assert meanwhile is first  # the request went on with the brain it had
    assert waited < 0.5
    for thread in threading.enumerate():
        if thread.name.startswith("autoreply-rebuild-"):
            thread.join(timeout=60)
    rebuilt = engine.brain_for(autoreply_selectors.get_settings(workspace=workspace))
    assert set(rebuilt.questions.values()) == {"多久发货", "怎么退款"}
    assert rebuilt.revision == autoreply_selectors.get_settings(workspace=workspace).kb_revision
