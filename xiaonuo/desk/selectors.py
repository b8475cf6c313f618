"""Reads of the desk, always within one workspace. The console and the API share these."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Substr

from xiaonuo.accounts.models import Membership, User, Workspace
from xiaonuo.accounts.permissions import Perm, roles_with
from xiaonuo.desk.exceptions import DeskError
from xiaonuo.desk.models import (
    AgentPresence,
    CannedReply,
    Complaint,
    ComplaintStatus,
    Conversation,
    DeskSettings,
    Message,
    MessageKind,
    PresenceStatus,
    Team,
    Ticket,
    TicketChange,
    TicketStatus,
    TicketTag,
)
from xiaonuo.lib.errors import NotFound
from xiaonuo.nlp import tone as nlp_tone

# A conversation read through the API or the widget returns at most this many messages at once;
# clients page on with ``after``.
MAX_THREAD_PAGE = 200


def conversation_not_found() -> NotFound:
    return NotFound(DeskError.CONVERSATION_NOT_FOUND, "Conversation not found")


def ticket_not_found() -> NotFound:
    return NotFound(DeskError.TICKET_NOT_FOUND, "Ticket not found")


def team_not_found() -> NotFound:
    return NotFound(DeskError.TEAM_NOT_FOUND, "Team not found")


def complaint_not_found() -> NotFound:
    return NotFound(DeskError.COMPLAINT_NOT_FOUND, "Complaint not found")


# --- Conversations ---------------------------------------------------------------------------


def get_conversation(*, workspace: Workspace, conversation_id: int) -> Conversation:
    conversation = (
        Conversation.objects.filter(workspace=workspace, pk=conversation_id)
        .select_related("channel", "ticket")
        .first()
    )
    if conversation is None:
        raise conversation_not_found()
    return conversation


def list_thread(
    *, workspace: Workspace, conversation_id: int, after: int | None = None, limit: int = 100
) -> tuple[list[Message], bool]:
    """What the customer sees of a conversation, oldest first: messages and replies, never
    internal notes. Returns up to ``limit`` messages after the id ``after``, and whether more
    follow."""
    limit = max(1, min(limit, MAX_THREAD_PAGE))
    qs = Message.objects.filter(
        workspace=workspace, conversation_id=conversation_id, kind__in=_CUSTOMER_VISIBLE
    ).select_related("staff")
    if after is not None:
        qs = qs.filter(pk__gt=after)
    rows = list(qs.order_by("id")[: limit + 1])
    return rows[:limit], len(rows) > limit


_CUSTOMER_VISIBLE = (MessageKind.INBOUND, MessageKind.OUTBOUND)


# --- Tickets ---------------------------------------------------------------------------------


def get_ticket(*, workspace: Workspace, ticket_id: int) -> Ticket:
    """A ticket with what its page shows beside the thread (customer, assignee, channel, tags)."""
    ticket = (
        Ticket.objects.filter(workspace=workspace, pk=ticket_id)
        .select_related("customer", "assignee", "channel", "conversation")
        .prefetch_related(Prefetch("tags", queryset=TicketTag.objects.order_by("name")))
        .first()
    )
    if ticket is None:
        raise ticket_not_found()
    return ticket


def list_ticket_messages(*, workspace: Workspace, ticket_id: int) -> QuerySet[Message]:
    """Everything on a ticket's page, notes included, oldest first."""
    return (
        Message.objects.filter(workspace=workspace, ticket_id=ticket_id)
        .select_related("staff")
        .order_by("id")
    )


def list_ticket_history(*, workspace: Workspace, ticket_id: int) -> QuerySet[TicketChange]:
    return (
        TicketChange.objects.filter(workspace=workspace, ticket_id=ticket_id)
        .select_related("actor")
        .order_by("id")
    )


# Statuses the inbox shows when no status is chosen: everything still needing attention.
ACTIVE_STATUSES = (TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD)


@dataclass
class InboxFilters:
    """The inbox's filters. ``view``: "all", "mine" (assigned to ``user``) or "unassigned"."""

    view: str = "all"
    user: User | None = None
    statuses: list[str] = field(default_factory=lambda: list(ACTIVE_STATUSES))
    channel_id: int | None = None
    tag: str = ""
    priority: int | None = None


@dataclass(frozen=True)
class InboxCursor:
    """Keyset position: the last row of the previous page (newest activity first)."""

    last_activity_at: datetime
    id: int


def list_inbox(*, workspace: Workspace, filters: InboxFilters) -> QuerySet[Ticket]:
    """Tickets for the inbox, newest activity first. Each filter is an equality on a leading
    column of one of Ticket's inbox indexes, so a page is an index range, not a sort."""
    qs = Ticket.objects.filter(workspace=workspace)
    if filters.view == "mine":
        qs = qs.filter(assignee=filters.user)
    elif filters.view == "unassigned":
        qs = qs.filter(assignee__isnull=True)
    if filters.statuses:
        qs = qs.filter(status__in=filters.statuses)
    if filters.channel_id is not None:
        qs = qs.filter(channel_id=filters.channel_id)
    if filters.priority is not None:
        qs = qs.filter(priority=filters.priority)
    if filters.tag:
        tag_id = (
            TicketTag.objects.filter(workspace=workspace, name=filters.tag)
            .values_list("pk", flat=True)
            .first()
        )
        qs = qs.filter(tags=tag_id) if tag_id is not None else qs.none()
    return qs.order_by("-last_activity_at", "-id")


def get_inbox_page(
    *, workspace: Workspace, filters: InboxFilters, after: InboxCursor | None, size: int = 50
) -> tuple[list[Ticket], InboxCursor | None]:
    """One inbox page and the cursor of the next (None at the end). Ids first, then the page's
    rows with what a row shows — and each ticket's ``last_excerpt``, the start of its newest
    message — in three queries whatever the page size."""
    qs = list_inbox(workspace=workspace, filters=filters)
    if after is not None:
        qs = qs.filter(
            Q(last_activity_at__lt=after.last_activity_at)
            | Q(last_activity_at=after.last_activity_at, pk__lt=after.id)
        )
    keys = list(qs.values_list("pk", "last_activity_at")[: size + 1])
    page_ids = [pk for pk, _ in keys[:size]]
    rows: dict[int, Ticket] = {
        t.pk: t
        for t in Ticket.objects.filter(pk__in=page_ids)
        .select_related("customer", "assignee", "channel", "team")
        .annotate(last_excerpt=_last_excerpt())
        .prefetch_related(Prefetch("tags", queryset=TicketTag.objects.order_by("name")))
    }
    page = [rows[pk] for pk in page_ids]
    cursor = None
    if len(keys) > size:
        last_id, last_at = keys[size - 1]
        cursor = InboxCursor(last_activity_at=last_at, id=last_id)
    return page, cursor


# Characters of the last message an inbox row shows.
EXCERPT_CHARS = 80


def _last_excerpt() -> Subquery:
    """The start of a ticket's newest message or reply (not notes): per row, one backward step
    on the ``message_ticket`` index (ticket, id), inside the page's row query."""
    return Subquery(
        Message.objects.filter(ticket_id=OuterRef("pk"), kind__in=_CUSTOMER_VISIBLE)
        .order_by("-id")
        .values(excerpt=Substr("text", 1, EXCERPT_CHARS + 1))[:1]
    )


def get_inbox_marker(*, workspace: Workspace) -> datetime | None:
    """The newest activity in the workspace: the top of ``ticket_inbox_all``, one index probe.
    The inbox's live update compares it with what a page last saw."""
    return (
        Ticket.objects.filter(workspace=workspace)
        .order_by("-last_activity_at", "-id")
        .values_list("last_activity_at", flat=True)
        .first()
    )


def get_inbox_page_versions(
    *, workspace: Workspace, filters: InboxFilters, size: int = 50
) -> list[tuple[int, int]]:
    """(id, version) of the first inbox page: the same index range as the page itself; any
    message, note or change bumps a ticket's version, so equal lists mean an unchanged page."""
    qs = list_inbox(workspace=workspace, filters=filters)
    return list(qs.values_list("pk", "version")[:size])


def get_ticket_version(*, workspace: Workspace, ticket_id: int) -> int:
    """A ticket's version (one primary-key read): the ticket page polls it for live updates."""
    version = (
        Ticket.objects.filter(workspace=workspace, pk=ticket_id)
        .values_list("version", flat=True)
        .first()
    )
    if version is None:
        raise ticket_not_found()
    return version


def list_ticket_messages_after(
    *, workspace: Workspace, ticket_id: int, after: int
) -> QuerySet[Message]:
    """A ticket's messages and notes newer than the id ``after`` (a range of ``message_ticket``)."""
    return list_ticket_messages(workspace=workspace, ticket_id=ticket_id).filter(pk__gt=after)


def get_tickets_by_id(*, workspace: Workspace, ticket_ids: list[int]) -> dict[int, Ticket]:
    """Tickets named by id (search hits), with what a result line shows; others' are left out."""
    return {
        t.pk: t
        for t in Ticket.objects.filter(workspace=workspace, pk__in=ticket_ids).select_related(
            "customer", "assignee", "channel"
        )
    }


def list_customer_tickets(*, workspace: Workspace, customer_id: int) -> QuerySet[Ticket]:
    """A customer's tickets for the profile page, newest first."""
    return Ticket.objects.filter(workspace=workspace, customer_id=customer_id).order_by("-id")


def list_ticket_tags(*, workspace: Workspace) -> QuerySet[TicketTag]:
    return TicketTag.objects.filter(workspace=workspace)


# --- Agents and settings ---------------------------------------------------------------------


def get_desk_settings(*, workspace: Workspace) -> DeskSettings:
    """The workspace's desk settings; the defaults (unsaved) if nobody changed them yet."""
    found = DeskSettings.objects.filter(workspace=workspace).first()
    return found if found is not None else DeskSettings(workspace=workspace)


TONE_LISTS = ("rude", "forbidden_promises", "sensitive", "allowed")


def get_tone_lexicon(*, workspace: Workspace) -> nlp_tone.ToneLexicon:
    """The workspace's word lists as the tone check takes them (sorted, so that equal lists
    are one cache entry of the compiled lexicon)."""
    words = get_desk_settings(workspace=workspace).tone_words or {}
    return nlp_tone.ToneLexicon(**{name: tuple(sorted(words.get(name, []))) for name in TONE_LISTS})


def check_reply_tone(*, workspace: Workspace, text: str) -> nlp_tone.ToneReport:
    """The tone check of a draft reply with the workspace's own word lists."""
    return nlp_tone.check_tone(text, get_tone_lexicon(workspace=workspace))


def get_role(*, workspace: Workspace, user: User) -> str | None:
    return (
        Membership.objects.filter(workspace=workspace, user=user)
        .values_list("role", flat=True)
        .first()
    )


def get_agent(*, workspace: Workspace, user_id: int) -> User | None:
    """The staff member ``user_id`` if they may handle this workspace's conversations."""
    membership = (
        Membership.objects.filter(
            workspace=workspace, user_id=user_id, role__in=roles_with(Perm.HANDLE_CONVERSATIONS)
        )
        .select_related("user")
        .first()
    )
    return membership.user if membership is not None else None


def get_staff_names(*, workspace: Workspace, user_ids: list[int]) -> dict[int, str]:
    """Names of this workspace's members among ``user_ids`` (history lines name people by id)."""
    return {
        m.user_id: m.user.display_name or m.user.username
        for m in Membership.objects.filter(
            workspace=workspace, user_id__in=user_ids
        ).select_related("user")
    }


def open_loads(*, workspace: Workspace) -> dict[int, int]:
    """Open tickets per assignee: what counts against an agent's capacity."""
    return dict(
        Ticket.objects.filter(workspace=workspace, status=TicketStatus.OPEN, assignee__isnull=False)
        .values_list("assignee_id")
        .annotate(n=Count("id"))
        .order_by()
    )


@dataclass(frozen=True)
class AgentState:
    user: User
    status: str
    capacity: int
    open_tickets: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.open_tickets)


def list_agents(*, workspace: Workspace) -> list[AgentState]:
    """Members who may handle conversations, with presence, capacity and open load."""
    settings = get_desk_settings(workspace=workspace)
    members = (
        Membership.objects.filter(
            workspace=workspace, role__in=roles_with(Perm.HANDLE_CONVERSATIONS)
        )
        .select_related("user")
        .order_by("user_id")
    )
    presence = {p.user_id: p for p in AgentPresence.objects.filter(workspace=workspace)}
    loads = open_loads(workspace=workspace)
    states = []
    for member in members:
        p = presence.get(member.user_id)
        states.append(
            AgentState(
                user=member.user,
                status=p.status if p else PresenceStatus.OFFLINE,
                capacity=_capacity(p, settings),
                open_tickets=loads.get(member.user_id, 0),
            )
        )
    return states


def _capacity(presence: AgentPresence | None, settings: DeskSettings) -> int:
    if presence is None or presence.capacity is None:
        return settings.default_capacity
    return presence.capacity


def list_agent_capacities(*, workspace: Workspace) -> dict[int, int | None]:
    """Agents' own capacities (None: they use the workspace's default)."""
    return dict(
        AgentPresence.objects.filter(workspace=workspace).values_list("user_id", "capacity")
    )


def get_presence_status(*, workspace: Workspace, user: User) -> str:
    """The agent's own presence (offline when they never set one)."""
    status = (
        AgentPresence.objects.filter(workspace=workspace, user=user)
        .values_list("status", flat=True)
        .first()
    )
    return status or PresenceStatus.OFFLINE


# --- Teams -------------------------------------------------------------------------------------


def list_teams(*, workspace: Workspace) -> QuerySet[Team]:
    """The workspace's teams with their members, by name."""
    return (
        Team.objects.filter(workspace=workspace)
        .prefetch_related(Prefetch("members", queryset=User.objects.order_by("id")))
        .order_by("name")
    )


def get_team(*, workspace: Workspace, team_id: int) -> Team:
    team = list_teams(workspace=workspace).filter(pk=team_id).first()
    if team is None:
        raise team_not_found()
    return team


def list_user_teams(*, workspace: Workspace, user: User) -> QuerySet[Team]:
    """The teams a staff member belongs to in this workspace."""
    return Team.objects.filter(workspace=workspace, members=user).order_by("name")


# --- Complaints and canned replies -----------------------------------------------------------


def get_complaint(*, workspace: Workspace, complaint_id: int) -> Complaint:
    complaint = (
        Complaint.objects.filter(workspace=workspace, pk=complaint_id)
        .select_related("customer", "ticket", "escalated_to")
        .first()
    )
    if complaint is None:
        raise complaint_not_found()
    return complaint


def list_open_complaints(*, workspace: Workspace) -> QuerySet[Complaint]:
    """Unresolved complaints, most severe first, then oldest first (the complaints page)."""
    return (
        Complaint.objects.filter(
            workspace=workspace, status__in=[ComplaintStatus.OPEN, ComplaintStatus.ESCALATED]
        )
        .select_related("customer", "escalated_to")
        .order_by("-severity", "created_at")
    )


def list_ticket_complaints(*, workspace: Workspace, ticket_id: int) -> QuerySet[Complaint]:
    return Complaint.objects.filter(workspace=workspace, ticket_id=ticket_id).order_by("-id")


def list_complaints_awaiting_outcome(*, workspace: Workspace) -> QuerySet[Complaint]:
    """Resolved complaints whose recovery outcome is not recorded yet, oldest resolution first:
    the follow-up list (did the customer come back?)."""
    return (
        Complaint.objects.filter(
            workspace=workspace, status=ComplaintStatus.RESOLVED, outcome_recorded_at__isnull=True
        )
        .select_related("customer")
        .order_by("resolved_at", "id")
    )


def list_supervisors(*, workspace: Workspace) -> list[User]:
    """Members a complaint can be escalated to: those who may approve compensation."""
    return [
        m.user
        for m in Membership.objects.filter(
            workspace=workspace, role__in=roles_with(Perm.APPROVE_COMPENSATION)
        )
        .select_related("user")
        .order_by("user_id")
    ]


@dataclass(frozen=True)
class RecoveryRate:
    resolved: int  # resolved complaints with a recorded outcome
    recovered: int  # of those: satisfied afterwards, bought again or referred someone

    @property
    def rate(self) -> float | None:
        return self.recovered / self.resolved if self.resolved else None


def get_recovery_rate(*, workspace: Workspace) -> RecoveryRate:
    known = Complaint.objects.filter(
        workspace=workspace, status=ComplaintStatus.RESOLVED, outcome_recorded_at__isnull=False
    )
    counts = known.aggregate(
        resolved=Count("id"),
        recovered=Count(
            "id",
            filter=Q(satisfied_afterwards=True) | Q(bought_again=True) | Q(referred_someone=True),
        ),
    )
    return RecoveryRate(resolved=counts["resolved"], recovered=counts["recovered"])


def list_canned_replies(*, workspace: Workspace) -> QuerySet[CannedReply]:
    return CannedReply.objects.filter(workspace=workspace).order_by("title")


def get_canned_reply(*, workspace: Workspace, canned_reply_id: int) -> CannedReply:
    reply = CannedReply.objects.filter(workspace=workspace, pk=canned_reply_id).first()
    if reply is None:
        raise NotFound(DeskError.CANNED_REPLY_NOT_FOUND, "Canned reply not found")
    return reply
