"""Explicit cross-app reactions without Django signals.

A lower app announces what happened (``dispatch("customer.merged", ...)``); the list of who
reacts lives in one module, ``xiaonuo/listeners.py``, which is read here by name so that the
lower app never imports the higher ones (the layer contract in DESIGN.md §4 stays intact).
"""

from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import transaction


def _reactions(event: str) -> list[Callable[..., Any]]:
    module = import_module(settings.XIAONUO_LISTENERS_MODULE)
    return list(module.LISTENERS.get(event, []))


def dispatch_now(event: str, **payload: Any) -> None:
    """Run reactions inside the caller's transaction: for effects that must commit together,
    such as moving a merged customer's events."""
    for reaction in _reactions(event):
        reaction(**payload)


def dispatch_on_commit(event: str, **payload: Any) -> None:
    """Run reactions after the caller's transaction commits: for side effects (jobs, webhooks)."""
    transaction.on_commit(lambda: dispatch_now(event, **payload))
