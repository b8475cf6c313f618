"""Keyword rules, as WeChat's own console offers them: exact, contains, regular expression.

Regular expressions come from staff, and Python's ``re`` has no timeout, so a pattern is checked
when it is saved instead: at most ``PATTERN_MAX_CHARS`` characters, no back-references, and no
quantified group that itself contains an unbounded quantifier or an alternation — the shapes
behind exponential backtracking ((a+)+, (a|a)*, (.*a){20}) — and at most two open-ended
quantifiers in all, since even in a row they multiply the work (a.*a.*a.*b is cubic). Rules
then look at no more than the first 300 characters of a message
(``engine.RULE_TEXT_MAX_CHARS``), which bounds what remains to milliseconds.
"""

import re
from dataclasses import dataclass
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from django.db import transaction

from xiaonuo.accounts.models import Workspace
from xiaonuo.autoreply import selectors as autoreply_selectors
from xiaonuo.autoreply.exceptions import AutoReplyError
from xiaonuo.autoreply.models import PATTERN_MAX_CHARS, KeywordRule, MatchType
from xiaonuo.autoreply.services.knowledge import Answer, bump_revision, clean_answer
from xiaonuo.lib.errors import ServiceError

# Two open-ended quantifiers cost at most ~15 ms on a hostile 300-character message; three
# cost seconds (measured: a.*a.*a.*b on 300 × "a" takes 1.8 s).
MAX_UNBOUNDED = 2
_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT)


@dataclass(frozen=True)
class RuleInput:
    name: str
    match_type: str
    pattern: str
    answer: Answer
    priority: int = 0
    enabled: bool = True


def check_pattern(match_type: str, pattern: str) -> str:
    """The pattern as stored, or ServiceError(pattern_invalid | pattern_unsafe)."""
    if match_type not in MatchType.values:
        raise ServiceError(
            AutoReplyError.MATCH_TYPE_INVALID,
            f"Unknown match type {match_type!r}",
            status=422,
            field="match_type",
        )
    pattern = (pattern or "").strip()
    if not pattern or len(pattern) > PATTERN_MAX_CHARS:
        raise ServiceError(
            AutoReplyError.PATTERN_INVALID,
            f"A keyword or pattern is 1 to {PATTERN_MAX_CHARS} characters",
            status=422,
            field="pattern",
        )
    if match_type != MatchType.REGEX:
        return pattern
    try:
        parsed = sre_parse.parse(pattern)
        re.compile(pattern)
    except re.error as exc:
        raise ServiceError(
            AutoReplyError.PATTERN_INVALID,
            f"Not a regular expression: {exc}",
            status=422,
            field="pattern",
        ) from None
    problem = _unsafe(list(parsed), inside_repeat=False)
    if not problem and _unbounded_count(list(parsed)) > MAX_UNBOUNDED:
        problem = f"more than {MAX_UNBOUNDED} open-ended quantifiers"
    if problem:
        raise ServiceError(
            AutoReplyError.PATTERN_UNSAFE,
            f"The pattern could take very long on some messages ({problem}); simplify it",
            status=422,
            field="pattern",
        )
    return pattern


def _unsafe(items: list[Any], *, inside_repeat: bool) -> str:
    """Why the parsed pattern may backtrack catastrophically, or "" when it looks safe."""
    for op, arg in items:
        if op in (sre_constants.GROUPREF, sre_constants.GROUPREF_EXISTS):
            return "back-reference"
        nested = inside_repeat
        if op in _REPEATS:
            _low, high, _body = arg
            unbounded = high == sre_constants.MAXREPEAT or high > 100
            if inside_repeat and unbounded:
                return "nested quantifier"
            nested = inside_repeat or unbounded or high > 1
        elif op == sre_constants.BRANCH and inside_repeat:
            return "alternation inside a quantifier"
        for child in _children(op, arg):
            problem = _unsafe(list(child), inside_repeat=nested)
            if problem:
                return problem
    return ""


def _unbounded_count(items: list[Any]) -> int:
    """Open-ended quantifiers anywhere in the pattern: even one after the other (a.*a.*a.*b)
    they multiply the work, by about the text's length each."""
    count = 0
    for op, arg in items:
        if op in _REPEATS and (arg[1] == sre_constants.MAXREPEAT or arg[1] > 100):
            count += 1
        for child in _children(op, arg):
            count += _unbounded_count(list(child))
    return count


def _children(op: Any, arg: Any) -> list[Any]:
    """The sub-patterns of one parsed node."""
    if op in _REPEATS:
        return [arg[2]]
    if op == sre_constants.BRANCH:
        return list(arg[1])
    if op == sre_constants.SUBPATTERN:
        return [arg[-1]]
    if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return [arg[1]]
    if op == sre_constants.ATOMIC_GROUP:
        return [arg]
    return []


def _clean(data: RuleInput) -> RuleInput:
    name = (data.name or "").strip()
    if not name or len(name) > 60:
        raise ServiceError(
            AutoReplyError.PATTERN_INVALID,
            "A rule's name is 1 to 60 characters",
            status=422,
            field="name",
        )
    return RuleInput(
        name=name,
        match_type=data.match_type,
        pattern=check_pattern(data.match_type, data.pattern),
        answer=clean_answer(data.answer),
        priority=int(data.priority),
        enabled=bool(data.enabled),
    )


def create_rule(*, workspace: Workspace, data: RuleInput) -> KeywordRule:
    data = _clean(data)
    with transaction.atomic():
        rule = KeywordRule.objects.create(
            workspace=workspace,
            name=data.name,
            match_type=data.match_type,
            pattern=data.pattern,
            priority=data.priority,
            enabled=data.enabled,
            **data.answer.as_fields(),
        )
        bump_revision(workspace=workspace)
    return rule


def update_rule(*, workspace: Workspace, rule_id: int, data: RuleInput) -> KeywordRule:
    data = _clean(data)
    with transaction.atomic():
        rule = autoreply_selectors.get_rule(workspace=workspace, rule_id=rule_id, for_update=True)
        rule.name, rule.match_type, rule.pattern = data.name, data.match_type, data.pattern
        rule.priority, rule.enabled = data.priority, data.enabled
        for name, value in data.answer.as_fields().items():
            setattr(rule, name, value)
        rule.save()
        bump_revision(workspace=workspace)
    return rule


def delete_rule(*, workspace: Workspace, rule_id: int) -> None:
    with transaction.atomic():
        autoreply_selectors.get_rule(workspace=workspace, rule_id=rule_id).delete()
        bump_revision(workspace=workspace)
