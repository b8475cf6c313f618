"""The demo desk of 茶小满: agents, channels, conversations, tickets with their history, tags,
internal notes and complaints, written with the driver's ``executemany`` (as the customers are):
the reference scale is 3M messages and 200k tickets, and the ORM spends tens of microseconds
preparing each row.

Tickets are generated in time order, a block at a time; every row gets its id here (the tables'
next ids), so a message's id follows its time across the whole desk, as in a live desk, and
the search index (built at the end by the same catch-up job that runs in production) lists
newest first by id. Deterministic: the same seed and ``now`` give the same desk.

Survey answers are added by the surveys' demo: ``create_desk_demo`` returns what it needs (the
agents) and the solved tickets are in the database (see ``services.create_demo``).
"""

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from xiaonuo.accounts import services as accounts_services
from xiaonuo.accounts.models import Membership, User, Workspace
from xiaonuo.accounts.permissions import Role
from xiaonuo.channels import services as channels_services
from xiaonuo.customers.models import Customer, Identity, IdentityKind
from xiaonuo.demo import desk_text, people
from xiaonuo.demo.desk_text import Scenario
from xiaonuo.desk.models import (
    AgentPresence,
    AuthorKind,
    CompensationStatus,
    Complaint,
    ComplaintStatus,
    Conversation,
    DeliveryStatus,
    HistoryField,
    Message,
    MessageKind,
    PresenceStatus,
    Ticket,
    TicketChange,
    TicketStatus,
    TicketTag,
)
from xiaonuo.desk.search import services as search_services

# Agents' usernames: kefu-01, kefu-02, … (the demo's own "kefu", 客服 小林, is one of them too).
AGENT_PREFIX = "kefu-"
# The first agents have fixed names, so the demo reads the same on every machine; more (the
# reference scale has 50 agents, DESIGN.md §6) get generated names.
NAMED_AGENTS = ["小雯", "阿美", "大鹏", "晓晴", "子豪"]
SUPERVISOR = ("kefu-zhuguan", "客服主管 陈姐")
CHANNELS = [  # kind, name, share of tickets
    ("wechat_oa", "茶小满公众号", 55),
    ("api", "小程序在线客服", 30),
    ("web_widget", "官网在线客服", 15),
]
EXTRA_TAGS = ["投诉", "VIP", "已回访"]
# The demo Official Account's server settings (public: the demo account is not a real one).
WECHAT_TOKEN = "chaxiaoman2026"  # noqa: S105 - documented demo value
WECHAT_AES_KEY = "ChaXiaoManDemoEncodingAESKey0123456789abcde"
WECHAT_APP_ID = "wxc0ffee2026demo01"
# When people write to a tea shop's desk (local hour weights): lunch, afternoon tea, evening.
HOURS = [1, 0, 0, 0, 0, 0, 0, 1, 3, 5, 6, 9, 13, 12, 11, 12, 12, 10, 8, 10, 11, 9, 6, 3]
# Tickets last touched within this many days are still moving; older ones are closed (the
# auto-close job's default delay is 4 days after solving).
ACTIVE_DAYS = 5
BLOCK = 2000  # tickets generated and written together
SHANGHAI = timezone.get_fixed_timezone(8 * 60)


@dataclass
class DeskDemo:
    agents: list[int] = field(default_factory=list)  # user ids of the demo agents
    supervisor: int = 0
    tickets: int = 0
    messages: int = 0
    complaints: int = 0
    indexed: int = 0


def create_desk_demo(
    *,
    workspace: Workspace,
    seed: int,
    now: datetime,
    days: int,
    tickets: int,
    messages: int,
    agents: int,
    products: Sequence[str],
    stores: Sequence[str],
    password: str,
) -> DeskDemo:
    """The desk of the demo workspace, whose customers exist already. ``messages`` is the
    target total (about ``messages / tickets`` per ticket)."""
    rng = random.Random(f"{seed}-desk")
    result = DeskDemo()
    result.agents, result.supervisor = _create_agents(workspace, rng, agents, password)
    channels = [(_create_channel(workspace, kind, name).pk, w) for kind, name, w in CHANNELS]
    tag_names = sorted({t for s in desk_text.SCENARIOS for t in s.tags} | set(EXTRA_TAGS))
    tags = {name: TicketTag.objects.create(workspace=workspace, name=name).pk for name in tag_names}
    customer_ids = list(
        Customer.objects.filter(workspace=workspace).order_by("pk").values_list("pk", flat=True)
    )
    if not customer_ids or tickets <= 0:
        return result
    world = _World(
        workspace_id=workspace.pk,
        rng=rng,
        now=now,
        agents=result.agents,
        supervisor=result.supervisor,
        channels=channels,
        tags=tags,
        customer_ids=customer_ids,
        # Recent tickets stop mid-conversation (they are still going): about 1% of the
        # messages drawn never happen, measured at both scales; drawn that much longer.
        per_ticket=max(messages / tickets * 1.012, 1.0),
        products=list(products),
        stores=list(stores),
    )
    opened = world.open_times(tickets, days)
    for start in range(0, tickets, BLOCK):
        tickets_n, messages_n, complaints_n = world.block(opened[start : start + BLOCK]).write()
        result.tickets += tickets_n
        result.messages += messages_n
        result.complaints += complaints_n
    _reset_sequences()
    result.indexed = search_services.catch_up_index()
    return result


def _create_channel(workspace: Workspace, kind: str, name: str) -> Any:
    if kind != "wechat_oa":
        return channels_services.create_channel(workspace=workspace, kind=kind, name=name)
    # The Official Account as a company connects it (its callback URL works; without an
    # AppSecret, staff replies wait for one to be entered on the channel's page).
    return channels_services.create_wechat_channel(
        workspace=workspace,
        name=name,
        token=WECHAT_TOKEN,
        encoding_aes_key=WECHAT_AES_KEY,
        app_id=WECHAT_APP_ID,
    )


def remove_agents() -> None:
    User.objects.filter(username__startswith=AGENT_PREFIX).delete()


def _create_agents(
    workspace: Workspace, rng: random.Random, count: int, password: str
) -> tuple[list[int], int]:
    """Agents with Chinese names (the demo's 客服 小林 among them) and a supervisor who approves
    compensation. One password hash for all: hashing it 50 times would take seconds."""
    hashed = make_password(password)
    names = list(NAMED_AGENTS)
    while len(names) < count - 1:
        names.append(people.person_name(rng, rng.choice(["female", "male"]))[1:])
    users = [
        User(username=f"{AGENT_PREFIX}{i:02d}", display_name=f"客服 {n}", password=hashed)
        for i, n in enumerate(names[: max(count - 1, 0)], start=1)
    ]
    users.append(User(username=SUPERVISOR[0], display_name=SUPERVISOR[1], password=hashed))
    User.objects.bulk_create(users)
    created = list(User.objects.filter(username__startswith=AGENT_PREFIX).order_by("pk"))
    for user in created:
        role = Role.ADMIN if user.username == SUPERVISOR[0] else Role.AGENT
        accounts_services.add_member(workspace=workspace, user=user, role=role)
    supervisor = next(u.pk for u in created if u.username == SUPERVISOR[0])
    kefu = Membership.objects.filter(workspace=workspace, user__username="kefu").first()
    agents = [u.pk for u in created if u.pk != supervisor]
    if kefu is not None:
        agents.insert(0, kefu.user_id)
    # Who is on shift now: most agents online, a few away (a break) or gone home.
    statuses = [PresenceStatus.ONLINE, PresenceStatus.AWAY, PresenceStatus.OFFLINE]
    AgentPresence.objects.bulk_create(
        AgentPresence(
            workspace=workspace,
            user_id=pk,
            status=rng.choices(statuses, [70, 10, 20])[0],
            capacity=rng.choice([None, None, 4, 6, 8]),
            status_changed_at=timezone.now(),
        )
        for pk in [*agents, supervisor]
    )
    return agents, supervisor


class _Table:
    """Rows for ``model`` as tuples in column order, starting from each field's default, for
    ``executemany``. Values are given by attribute name; datetimes are adapted here."""

    def __init__(self, model: type[models.Model], *, with_pk: bool = False):
        fields = [
            f
            for f in model._meta.concrete_fields
            if with_pk or not getattr(f, "primary_key", False)
        ]
        self.model = model
        self.index = {f.attname: i for i, f in enumerate(fields)}
        self.dates = {
            f.attname for f in fields if isinstance(f, models.DateTimeField | models.DateField)
        }
        # Each field's default as the database takes it ("" for text, [] as JSON …); None
        # where there is none (a foreign key, a date): those are given per row.
        self.template = [
            None if f.primary_key else f.get_db_prep_save(f.get_default(), connection)
            for f in fields
        ]
        columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
        self.sql = (
            f"INSERT INTO {model._meta.db_table} ({columns}) "  # noqa: S608 - names from the models
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
        self.rows: list[list[Any]] = []
        self._adapt = connection.ops.adapt_datetimefield_value

    def add(self, **values: Any) -> None:
        row = list(self.template)
        for name, value in values.items():
            row[self.index[name]] = self._adapt(value) if name in self.dates else value
        self.rows.append(row)

    def flush(self, cursor: Any) -> None:
        if self.rows:
            cursor.executemany(self.sql, self.rows)
        self.rows = []

    def __len__(self) -> int:
        return len(self.rows)


def _next_id(model: type[models.Model]) -> int:
    top = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
    return int(top or 0) + 1


def _reset_sequences() -> None:
    """PostgreSQL: the id sequences continue after the ids given here (SQLite follows the
    largest id by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), [Conversation, Ticket, Message])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


@dataclass
class _Conversation:
    id: int
    customer_id: int
    channel_id: int
    last_ticket: int = 0
    last_ticket_closed: bool = True


class _World:
    """Everything a block needs to know about the desk so far."""

    def __init__(  # noqa: PLR0913 - one constructor for the whole simulation
        self,
        *,
        workspace_id: int,
        rng: random.Random,
        now: datetime,
        agents: list[int],
        supervisor: int,
        channels: list[tuple[int, int]],
        tags: dict[str, int],
        customer_ids: list[int],
        per_ticket: float,
        products: list[str],
        stores: list[str],
    ):
        self.workspace_id = workspace_id
        self.rng = rng
        self.now = now
        self.agents = agents
        self.supervisor = supervisor
        self.channel_ids = [c for c, _ in channels]
        self.channel_weights = [w for _, w in channels]
        self.tags = tags
        self.customer_ids = customer_ids
        self.per_ticket = per_ticket
        self.products = products
        self.stores = stores
        self.conversations: dict[tuple[int, int], _Conversation] = {}
        self.next_conversation = _next_id(Conversation)
        self.next_ticket = _next_id(Ticket)
        self.next_message = _next_id(Message)
        self.scenario_weights = [s.weight for s in desk_text.SCENARIOS]
        self.agent_weights = [rng.uniform(0.5, 1.5) for _ in agents]

    def open_times(self, count: int, days: int) -> list[datetime]:
        """When each ticket was opened, oldest first: more recently (the shop grows), in the
        day's busy hours."""
        start = self.now - timedelta(days=days)
        cum = [sum(HOURS[: i + 1]) for i in range(24)]
        times = []
        for _ in range(count):
            day = int(days * math.sqrt(self.rng.random()))  # density grows toward today
            hour = self.rng.choices(range(24), cum_weights=cum)[0]
            local = (start + timedelta(days=day)).astimezone(SHANGHAI)
            at = local.replace(hour=hour) + timedelta(seconds=self.rng.randrange(3600))
            times.append(min(at, self.now - timedelta(minutes=1)))
        times.sort()
        return times

    def customer(self) -> int:
        # Some people write often: the first customers of a shuffled order more than the rest.
        k = len(self.customer_ids)
        return self.customer_ids[min(k - 1, int(k * self.rng.random() ** 1.6))]

    def block(self, opened: list[datetime]) -> "_Block":
        block = _Block(self)
        chosen = [self.customer() for _ in opened]
        block.load_people(set(chosen))
        for customer_id, at in zip(chosen, opened, strict=True):
            block.ticket(customer_id, at)
        return block


class _Block:
    """One block of tickets: generated in memory, then written in one transaction."""

    def __init__(self, world: _World):
        self.w = world
        self.rng = world.rng
        self.tickets = _Table(Ticket, with_pk=True)
        self.conversations = _Table(Conversation, with_pk=True)
        self.conversation_updates: dict[int, tuple[int, datetime]] = {}
        self.messages = _Table(Message, with_pk=True)
        self.pending_messages: list[tuple[datetime, dict[str, Any]]] = []
        self.changes = _Table(TicketChange)
        self.complaints = _Table(Complaint)
        self.tag_links: list[tuple[int, int]] = []
        self.names: dict[int, tuple[str, str]] = {}
        self.phones: dict[int, str] = {}
        self.external: dict[int, str] = {}

    def load_people(self, ids: set[int]) -> None:
        ordered = sorted(ids)
        for i in range(0, len(ordered), 500):
            chunk = ordered[i : i + 500]
            for pk, name, gender in Customer.objects.filter(pk__in=chunk).values_list(
                "pk", "name", "gender"
            ):
                self.names[pk] = (name, gender)
            for pk, kind, value in Identity.objects.filter(
                customer_id__in=chunk, kind__in=[IdentityKind.PHONE, IdentityKind.EXTERNAL_ID]
            ).values_list("customer_id", "kind", "value"):
                (self.phones if kind == IdentityKind.PHONE else self.external)[pk] = value

    def ticket(self, customer_id: int, opened: datetime) -> None:  # noqa: PLR0915 - one recipe
        w, rng = self.w, self.rng
        scenario: Scenario = rng.choices(desk_text.SCENARIOS, w.scenario_weights)[0]
        channel = self._channel_of(customer_id)
        conversation = self._conversation(customer_id, channel, opened)
        ticket_id = w.next_ticket
        w.next_ticket += 1
        agent = rng.choices(w.agents, w.agent_weights)[0] if w.agents else None
        slots = self._slots(customer_id, scenario, agent)
        lines = self._script(scenario, slots)
        times = self._times(opened, lines)
        # How far the conversation has got: older tickets ran their course; recent ones may
        # still be waiting on the desk or the customer.
        recent = (w.now - times[-1]).days < ACTIVE_DAYS
        if recent and len(lines) > 2 and rng.random() < 0.45:
            cut = rng.randrange(1, len(lines))
            lines, times = lines[:cut], times[:cut]
        last_at = times[-1]
        spoke = [who for who, _ in lines]
        answered = "agent" in spoke
        if not recent:
            status = TicketStatus.CLOSED if rng.random() < 0.93 else TicketStatus.SOLVED
        elif spoke[-1] == "customer":
            status = TicketStatus.OPEN
        else:
            status = rng.choices(
                [TicketStatus.PENDING, TicketStatus.ON_HOLD, TicketStatus.SOLVED], [45, 10, 45]
            )[0]
        if not answered:
            agent = agent if rng.random() < 0.6 else None
        first_response = next(
            (t for (who, _), t in zip(lines, times, strict=True) if who == "agent"), None
        )
        solved_at = (
            last_at + timedelta(minutes=rng.randrange(1, 30))
            if status
            in (
                TicketStatus.SOLVED,
                TicketStatus.CLOSED,
            )
            else None
        )
        closed_at = (
            solved_at + timedelta(days=4) if status == TicketStatus.CLOSED and solved_at else None
        )
        last_activity = closed_at or solved_at or last_at
        priority = rng.choices([1, 2, 3, 4], scenario.priority)[0]
        complaint = rng.random() < scenario.complaint_rate
        if complaint:
            priority = max(priority, 3 if rng.random() < 0.7 else 2)
        self.tickets.add(
            id=ticket_id,
            workspace_id=w.workspace_id,
            customer_id=customer_id,
            conversation_id=conversation.id,
            channel_id=channel,
            subject=_subject(lines[0][1]),  # a script starts with the customer
            status=status,
            priority=priority,
            assignee_id=agent,
            created_at=opened,
            updated_at=last_activity,
            last_activity_at=last_activity,
            waiting_since=last_at if status == TicketStatus.OPEN else None,
            first_response_at=first_response,
            solved_at=solved_at,
            closed_at=closed_at,
            follow_up_of_id=None if conversation.last_ticket == 0 else conversation.last_ticket,
            version=len(lines) + 2,
        )
        conversation.last_ticket = ticket_id
        self.conversation_updates[conversation.id] = (ticket_id, last_at)
        for (who, text), at in zip(lines, times, strict=True):
            staff = None
            if who != "customer":
                staff = agent if agent is not None and rng.random() < 0.9 else rng.choice(w.agents)
            kind = {"customer": MessageKind.INBOUND, "agent": MessageKind.OUTBOUND}.get(
                who, MessageKind.NOTE
            )
            self.pending_messages.append(
                (
                    at,
                    {
                        "workspace_id": w.workspace_id,
                        "conversation_id": conversation.id,
                        "ticket_id": ticket_id,
                        "kind": kind,
                        "author_kind": AuthorKind.CUSTOMER
                        if who == "customer"
                        else AuthorKind.STAFF,
                        "staff_id": staff,
                        "text": text,
                        "created_at": at,
                        "delivery_status": DeliveryStatus.DELIVERED
                        if kind == MessageKind.OUTBOUND
                        else DeliveryStatus.NONE,
                    },
                )
            )
        self._history(ticket_id, opened, agent, status, first_response, solved_at, closed_at)
        tag_names = list(scenario.tags[: rng.choice([1, 1, 2])])
        if complaint:
            tag_names.append("投诉")
            self._complaint(
                ticket_id, customer_id, scenario, slots, opened, agent, status, solved_at
            )
        if rng.random() < 0.04:
            tag_names.append("VIP")
        self.tag_links.extend((ticket_id, w.tags[t]) for t in tag_names)

    def _channel_of(self, customer_id: int) -> int:
        # A person mostly writes on one channel (their own, by their id), sometimes another.
        w = self.w
        if self.rng.random() < 0.85:
            return random.Random(customer_id).choices(w.channel_ids, w.channel_weights)[0]
        return self.rng.choices(w.channel_ids, w.channel_weights)[0]

    def _conversation(self, customer_id: int, channel: int, at: datetime) -> _Conversation:
        key = (customer_id, channel)
        found = self.w.conversations.get(key)
        if found is None:
            found = _Conversation(
                id=self.w.next_conversation, customer_id=customer_id, channel_id=channel
            )
            self.w.next_conversation += 1
            self.w.conversations[key] = found
            self.conversations.add(
                id=found.id,
                workspace_id=self.w.workspace_id,
                channel_id=channel,
                customer_id=customer_id,
                created_at=at,
            )
        return found

    def _slots(self, customer_id: int, scenario: Scenario, agent: int | None) -> dict[str, Any]:
        rng = self.rng
        name, gender = self.names.get(customer_id, ("", ""))
        number = self.external.get(customer_id, f"CY{customer_id:08d}")[2:]
        honorific = "女士" if gender == "female" else "先生"
        return {
            "product": rng.choice(self.w.products),
            "store": rng.choice(self.w.stores),
            "order": f"O{number}{rng.randrange(1, 2000):04d}",
            "phone": self.phones.get(customer_id, "13800000000"),
            "name": f"{name[:1]}{honorific}" if name else "您",
            "minutes": rng.choice([40, 45, 50, 60, 70, 90]),
            "amount": rng.choice([13, 16, 18, 19, 21, 22, 26, 38]),
            "coupon": rng.choice(desk_text.COUPONS),
            "points": rng.randrange(20, 800),
            "time": rng.choice(desk_text.TIMES),
            "agent": "",
        }

    def _script(self, s: Scenario, slots: dict[str, Any]) -> list[tuple[str, str]]:
        """Who says what, in order: ("customer" | "agent" | "note", text). Each step happens
        with its chance; then small talk pads the conversation to its drawn length."""
        rng, t = self.rng, desk_text
        steps: list[tuple[float, list[tuple[str, Sequence[str]]]]] = [
            (0.35, [("customer", t.GREETINGS), ("agent", t.AGENT_GREETINGS)]),
            (1.0, [("customer", s.openers)]),
            (0.4, [("customer", s.details)]),
            (0.75 if s.needs_order else 0.0, [("agent", t.ASK_ORDER), ("customer", t.GIVE_ORDER)]),
            (1.0, [("agent", t.WAIT)]),
            (0.45, [("note", s.notes)]),
            (1.0, [("agent", s.answers)]),
            (0.4, [("customer", s.pushback), ("agent", s.calm or s.answers)]),
            (0.2, [("note", s.notes)]),
        ]
        plan = [line for chance, lines in steps if rng.random() < chance for line in lines]
        target = max(1, round(rng.gammavariate(2.0, self.w.per_ticket / 2.0)))
        tail = [
            ("agent", t.ANYTHING_ELSE),
            ("customer", t.CUSTOMER_THANKS),
            ("agent", t.AGENT_GOODBYES),
        ]
        plan = [(who, options) for who, options in plan if options]
        while len(plan) + len(tail) < target:
            plan += [("customer", t.CUSTOMER_NUDGES), ("agent", t.AGENT_NUDGE_REPLIES)]
        say = [(who, rng.choice(options).format_map(slots)) for who, options in plan + tail]
        return say[:target]

    def _times(self, opened: datetime, lines: list[tuple[str, str]]) -> list[datetime]:
        rng = self.rng
        times, at, prev = [], opened, "customer"
        for i, (who, _) in enumerate(lines):
            if i:
                if who == "note":
                    gap = rng.uniform(0.2, 3)
                elif who == prev:
                    gap = rng.uniform(0.1, 1.5)
                elif who == "agent":
                    gap = rng.lognormvariate(1.0, 0.9)  # minutes to answer: median ~3
                else:
                    gap = rng.lognormvariate(1.2, 1.1)
                at = at + timedelta(minutes=min(gap, 600))
            times.append(min(at, self.w.now - timedelta(seconds=len(lines) - i)))
            prev = who
        return times

    def _history(
        self,
        ticket_id: int,
        opened: datetime,
        agent: int | None,
        status: str,
        first_response: datetime | None,
        solved_at: datetime | None,
        closed_at: datetime | None,
    ) -> None:
        def change(
            at: datetime, field: str, old: str, new: str, kind: str, actor: int | None
        ) -> None:
            self.changes.add(
                workspace_id=self.w.workspace_id,
                ticket_id=ticket_id,
                actor_kind=kind,
                actor_id=actor,
                field=field,
                old_value=old,
                new_value=new,
                created_at=at,
            )

        change(opened, HistoryField.STATUS, "", TicketStatus.OPEN, AuthorKind.CUSTOMER, None)
        if agent is not None:
            change(opened, HistoryField.ASSIGNEE, "", str(agent), AuthorKind.SYSTEM, None)
        current = TicketStatus.OPEN
        if first_response is not None and status != TicketStatus.OPEN:
            change(
                first_response,
                HistoryField.STATUS,
                current,
                TicketStatus.PENDING,
                AuthorKind.STAFF,
                agent,
            )
            current = TicketStatus.PENDING
        if status == TicketStatus.ON_HOLD:
            change(
                first_response or opened,
                HistoryField.STATUS,
                current,
                status,
                AuthorKind.STAFF,
                agent,
            )
        if solved_at is not None:
            change(
                solved_at,
                HistoryField.STATUS,
                current,
                TicketStatus.SOLVED,
                AuthorKind.STAFF,
                agent,
            )
        if closed_at is not None:
            change(
                closed_at,
                HistoryField.STATUS,
                TicketStatus.SOLVED,
                TicketStatus.CLOSED,
                AuthorKind.SYSTEM,
                None,
            )

    def _complaint(
        self,
        ticket_id: int,
        customer_id: int,
        s: Scenario,
        slots: dict[str, Any],
        opened: datetime,
        agent: int | None,
        status: str,
        solved_at: datetime | None,
    ) -> None:
        rng, w = self.rng, self.w
        severity = rng.choices([1, 2, 3, 4], s.severities)[0]
        created = opened + timedelta(minutes=rng.randrange(3, 40))
        values: dict[str, Any] = {
            "workspace_id": w.workspace_id,
            "customer_id": customer_id,
            "ticket_id": ticket_id,
            "severity": severity,
            "category": s.category,
            "description": rng.choice(s.complaint_texts).format_map(slots)
            if s.complaint_texts
            else "",
            "status": ComplaintStatus.OPEN,
            "created_by_id": agent,
            "created_at": created,
        }
        done = solved_at is not None
        if s.compensations and rng.random() < 0.75:
            kind, low, high = rng.choice(s.compensations)
            values.update(
                compensation_kind=kind,
                compensation_amount=Decimal(rng.randrange(low, high + 1)) if high else Decimal(0),
                compensation_status=CompensationStatus.APPROVED
                if done or rng.random() < 0.5
                else CompensationStatus.PROPOSED,
                compensation_offered_by_id=agent,
                compensation_decided_by_id=w.supervisor,
            )
        if severity >= 3 and rng.random() < 0.7:
            values.update(
                status=ComplaintStatus.ESCALATED,
                escalated_to_id=w.supervisor,
                escalated_at=created + timedelta(minutes=rng.randrange(5, 90)),
                escalation_reason=rng.choice(desk_text.ESCALATIONS),
            )
        if done and solved_at is not None:
            values.update(
                status=ComplaintStatus.RESOLVED,
                resolution=rng.choice(
                    desk_text.RESOLUTIONS.get(s.category, desk_text.RESOLUTIONS["other"])
                ),
                resolved_by_id=w.supervisor if severity >= 3 else agent,
                resolved_at=solved_at,
            )
            if values.get("compensation_status") == CompensationStatus.PROPOSED:
                values["compensation_status"] = CompensationStatus.APPROVED
            # Recovery, known a week or more after the resolution for most: well-handled
            # complaints often win the customer back (the founding texts' point).
            if (w.now - solved_at).days >= 7 and rng.random() < 0.8:
                satisfied = rng.random() < (0.72 - 0.08 * severity)
                values.update(
                    satisfied_afterwards=satisfied,
                    bought_again=rng.random() < (0.65 if satisfied else 0.2),
                    referred_someone=rng.random() < (0.12 if satisfied else 0.01),
                    outcome_recorded_at=solved_at + timedelta(days=rng.randrange(7, 30)),
                )
        self.complaints.add(**values)

    def write(self) -> tuple[int, int, int]:
        """Store the block; returns how many tickets, messages and complaints it held."""
        # Messages in time order get increasing ids, as a live desk gives them.
        self.pending_messages.sort(key=lambda m: m[0])
        for _, values in self.pending_messages:
            self.messages.add(id=self.w.next_message, **values)
            self.w.next_message += 1
        counts = (len(self.tickets), len(self.messages), len(self.complaints))
        with transaction.atomic(), connection.cursor() as cursor:
            # Conversations before tickets before messages: each row's references exist.
            self.conversations.flush(cursor)
            self.tickets.flush(cursor)
            self.messages.flush(cursor)
            self.changes.flush(cursor)
            self.complaints.flush(cursor)
            through = Ticket.tags.through
            cursor.executemany(
                f"INSERT INTO {through._meta.db_table} (ticket_id, tickettag_id) VALUES (%s, %s)",  # noqa: S608
                self.tag_links,
            )
            adapt = connection.ops.adapt_datetimefield_value
            cursor.executemany(
                f"UPDATE {Conversation._meta.db_table} SET ticket_id = %s, last_message_at = %s "  # noqa: S608
                "WHERE id = %s",
                [(t, adapt(at), c) for c, (t, at) in self.conversation_updates.items()],
            )
        return counts


def _subject(text: str) -> str:
    """A ticket's subject from its first message, as the desk makes it: the first line, cut."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= 60 else first[:59] + "…"
