"""The knowledge base over the API, for companies that keep their FAQ elsewhere.

- ``GET /faq`` (``search``, ``tag``, ``enabled``, ``limit``, ``offset``) and ``POST /faq``.
- ``GET``, ``PATCH`` and ``DELETE /faq/{id}``; every change is kept in the entry's history
  with the API key as its author.
- ``POST /autoreply/test`` — a question in; what the bot would answer, the top candidates and
  why, out. Nothing is stored.

The API key decides the workspace; another workspace's entry is ``faq_entry_not_found``.
"""

from typing import Any

from ninja import Query, Router, Schema, Status
from pydantic import Field

from xiaonuo.accounts.auth import ApiRequest
from xiaonuo.accounts.services import Actor
from xiaonuo.autoreply import selectors as autoreply_selectors
from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply.models import FaqEntry
from xiaonuo.autoreply.schemas import AnswerIn, FaqIn, FaqOut, FaqPage, FaqPatch, TestIn, TestOut

router = Router(tags=["autoreply"])


class FaqQuery(Schema):
    search: str = Field("", max_length=100)
    tag: str = Field("", max_length=30)
    enabled: bool | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


def _answer(answer: AnswerIn) -> autoreply_services.Answer:
    return autoreply_services.Answer(**answer.dict())


def faq_out(entry: FaqEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "question": entry.question,
        "phrasings": [p.text for p in sorted(entry.phrasings.all(), key=lambda p: p.pk)],
        "answer": {
            "kind": entry.answer_kind,
            "text": entry.answer_text,
            "url": entry.answer_url,
            "media_id": entry.answer_media_id,
            "title": entry.answer_title,
            "description": entry.answer_description,
            "picurl": entry.answer_picurl,
        },
        "tags": entry.tags,
        "enabled": entry.enabled,
        "valid_from": entry.valid_from,
        "valid_until": entry.valid_until,
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
    }


@router.get("/faq", response=FaqPage, summary="List FAQ entries")
def list_faq(request: ApiRequest, query: Query[FaqQuery]) -> dict[str, Any]:
    rows = autoreply_selectors.list_entries(
        workspace=request.auth.workspace, search=query.search, tag=query.tag, enabled=query.enabled
    )
    page = rows[query.offset : query.offset + query.limit]
    return {"items": [faq_out(e) for e in page], "count": rows.count()}


@router.post("/faq", response={201: FaqOut}, summary="Create an FAQ entry")
def create_faq(request: ApiRequest, payload: FaqIn) -> Status:
    entry = autoreply_services.create_entry(
        workspace=request.auth.workspace,
        data=autoreply_services.FaqInput(
            question=payload.question,
            answer=_answer(payload.answer),
            phrasings=payload.phrasings,
            tags=payload.tags,
            enabled=payload.enabled,
            valid_from=payload.valid_from,
            valid_until=payload.valid_until,
        ),
        actor=Actor(api_key=request.auth),
    )
    return Status(201, faq_out(entry))


@router.get("/faq/{entry_id}", response=FaqOut, summary="One FAQ entry")
def get_faq(request: ApiRequest, entry_id: int) -> dict[str, Any]:
    return faq_out(
        autoreply_selectors.get_entry(workspace=request.auth.workspace, entry_id=entry_id)
    )


@router.patch("/faq/{entry_id}", response=FaqOut, summary="Change an FAQ entry")
def update_faq(request: ApiRequest, entry_id: int, payload: FaqPatch) -> dict[str, Any]:
    sent = payload.model_fields_set
    entry = autoreply_services.update_entry(
        workspace=request.auth.workspace,
        entry_id=entry_id,
        changes=autoreply_services.FaqChanges(
            question=payload.question,
            answer=_answer(payload.answer) if payload.answer is not None else None,
            phrasings=payload.phrasings,
            tags=payload.tags,
            enabled=payload.enabled,
            valid_from=payload.valid_from,
            valid_until=payload.valid_until,
            unset=frozenset(
                name
                for name in ("valid_from", "valid_until")
                if name in sent and getattr(payload, name) is None
            ),
        ),
        actor=Actor(api_key=request.auth),
    )
    return faq_out(entry)


@router.delete("/faq/{entry_id}", response={204: None}, summary="Delete an FAQ entry")
def delete_faq(request: ApiRequest, entry_id: int) -> Status:
    autoreply_services.delete_entry(
        workspace=request.auth.workspace, entry_id=entry_id, actor=Actor(api_key=request.auth)
    )
    return Status(204, None)


@router.post("/autoreply/test", response=TestOut, summary="What the bot would answer")
def test_question(request: ApiRequest, payload: TestIn) -> dict[str, Any]:
    preview = autoreply_services.preview_answer(
        workspace=request.auth.workspace, question=payload.question
    )
    answer = preview.answer
    return {
        "outcome": preview.outcome,
        "reason": preview.reason,
        "answer": {"kind": answer.kind, "text": answer.text, "payload": dict(answer.payload)}
        if answer is not None
        else None,
        "faq_id": preview.entry_id,
        "rule_id": preview.rule_id,
        "confidence": preview.confidence,
        "threshold": preview.threshold,
        "candidates": [
            {
                "faq_id": int(c["faq_id"]),
                "question": c["question"],
                "matched": c["matched"],
                "confidence": c["confidence"],
                "why": c["why"],
            }
            for c in preview.candidates
        ],
    }
