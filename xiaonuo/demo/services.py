"""The demo workspace: 茶小满, a tea-drink chain with stores in ten cities, a WeChat Official
Account, a mini-program and an online shop. Deterministic: the same seed gives the same data.

Customers are generated in blocks; each block's behaviour (visits, orders, churn) is simulated
first, then the customers are stored with the lifecycle stage their behaviour earned, then
their events go through the bulk loader.
"""

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import connection, models, transaction
from django.utils import timezone

from xiaonuo.accounts import services as accounts_services
from xiaonuo.accounts.models import User, Workspace
from xiaonuo.accounts.permissions import Role
from xiaonuo.accounts.services import Actor
from xiaonuo.customers import services as customers_services
from xiaonuo.customers.models import AttributeType, Customer, Identity, IdentityKind, Tag
from xiaonuo.demo import autoreply as autoreply_demo
from xiaonuo.demo import desk as desk_demo
from xiaonuo.demo import people
from xiaonuo.demo import reviews as reviews_demo
from xiaonuo.desk.models import Ticket, TicketStatus
from xiaonuo.desk.surveys import demo as surveys_demo
from xiaonuo.events import bulk
from xiaonuo.events.bulk import EventRow

SLUG = "chaxiaoman"
NAME = "茶小满 Chaxiaoman"
# A local demo: the password is fixed and documented so the README can say what to type.
PASSWORD = "xiaonuo-demo"  # noqa: S105 - documented demo sign-in
STAFF = [
    ("demo", "店长 演示", Role.OWNER),
    ("kefu", "客服 小林", Role.AGENT),
    ("yunying", "运营 阿杰", Role.OPERATOR),
    ("guancha", "督导 老周", Role.VIEWER),
]
SCALES = {"default": (20_000, 500_000), "reference": (1_000_000, 10_000_000)}
# The desk at each scale: tickets, messages (about 15 a ticket) and agents (DESIGN.md §6).
DESK_SCALES = {"default": (3_000, 45_000, 6), "reference": (200_000, 3_000_000, 50)}
DAYS = 180
BLOCK = 20_000  # customers simulated and stored together
STORES = {
    city: [f"{city}{d}店" for d in districts]
    for city, districts in {
        "长沙": ["五一广场", "IFS国金", "梅溪湖", "河西大学城"],
        "深圳": ["南山科技园", "福田CBD", "宝安壹方城"],
        "广州": ["天河城", "北京路", "珠江新城"],
        "上海": ["人民广场", "徐家汇", "陆家嘴"],
        "杭州": ["湖滨银泰", "西溪"],
        "成都": ["春熙路", "太古里"],
        "武汉": ["江汉路", "光谷"],
        "北京": ["三里屯", "中关村"],
        "南京": ["新街口"],
        "重庆": ["解放碑"],
    }.items()
}
PRODUCTS = [
    ("杨枝甘露", 19, 20),
    ("芝士莓莓", 22, 16),
    ("多肉葡萄", 21, 16),
    ("柠檬茶", 13, 18),
    ("满杯红柚", 18, 9),
    ("生椰拿铁", 16, 8),
    ("烤黑糖波波牛乳", 17, 8),
    ("茉莉奶绿", 12, 5),
]
TAGS = ["奶茶控", "学生", "上班族", "价格敏感", "投诉过", "宝妈", "夜猫子", "外卖党"]
LEVELS = ["普通会员", "银卡", "金卡", "黑金"]
# Hour of day weights (local time): a lunch peak, the afternoon-tea peak, an evening tail.
HOURS = [0, 0, 0, 0, 0, 0, 0, 1, 3, 4, 5, 9, 12, 10, 11, 13, 12, 9, 7, 8, 8, 6, 4, 2]
_HOUR_CUM = [sum(HOURS[: i + 1]) for i in range(24)]
SHANGHAI = timezone.get_fixed_timezone(8 * 60)


@dataclass
class DemoResult:
    workspace: Workspace
    created: bool
    customers: int = 0
    events: int = 0
    api_key: str = ""
    desk: desk_demo.DeskDemo | None = None


def create_demo(
    *,
    seed: int = 1,
    customers: int = 20_000,
    events: int = 500_000,
    tickets: int = 3_000,
    messages: int = 45_000,
    agents: int = 6,
    if_empty: bool = False,
    now: datetime | None = None,
) -> DemoResult:
    existing = Workspace.objects.filter(slug=SLUG).first()
    if existing is not None:
        if if_empty:
            return DemoResult(workspace=existing, created=False)
        raise ValueError(f"The demo workspace {SLUG!r} exists; drop it or use --if-empty")
    # Midnight today (Shanghai), so that the same seed on the same day gives identical data.
    now = now or datetime.combine(timezone.localdate(), datetime.min.time(), tzinfo=SHANGHAI)
    workspace = _create_workspace_and_staff()
    try:
        _declare_attributes(workspace)
        tags = {name: Tag.objects.create(workspace=workspace, name=name).pk for name in TAGS}
        sim = Simulation(seed=seed, now=now, events_per_customer=events / max(customers, 1))
        made_customers = made_events = 0
        for start in range(0, customers, BLOCK):
            members = sim.members(start, min(BLOCK, customers - start))
            _store_members(workspace, members, tags)
            made_customers += len(members)
            made_events += bulk.bulk_load_events(
                workspace=workspace, rows=sim.events(members)
            ).loaded
        desk = desk_demo.create_desk_demo(
            workspace=workspace,
            seed=seed,
            now=now,
            days=DAYS,
            tickets=tickets,
            messages=messages,
            agents=agents,
            products=[name for name, *_ in PRODUCTS],
            stores=[store for stores in STORES.values() for store in stores],
            password=PASSWORD,
        )
        # Survey answers (CSAT, NPS, comments with praise) for the solved tickets.
        surveys_demo.create_demo_answers(
            workspace=workspace,
            tickets=Ticket.objects.filter(workspace=workspace, status=TicketStatus.SOLVED)
            .select_related("conversation")
            .order_by("pk"),
            seed=seed,
            now=now,
        )
        # A year of marketplace reviews, enriched: the quadrant's place and movement.
        reviews_demo.create_demo_reviews(
            workspace=workspace,
            seed=seed,
            now=now,
            stores=[store for stores in STORES.values() for store in stores],
            products=[name for name, *_ in PRODUCTS],
        )
        # The knowledge base, and WeChat followers' questions through the live auto-reply path.
        autoreply_demo.create_autoreply_demo(
            workspace=workspace,
            owner=User.objects.get(username=STAFF[0][0]),
            seed=seed,
            products=[name for name, *_ in PRODUCTS],
            stores=[store for stores in STORES.values() for store in stores],
        )
        _, secret = accounts_services.create_api_key(
            workspace=workspace, name="演示密钥", actor=Actor()
        )
    except BaseException:
        # Blocks commit as they go; a half-built demo would make the next `--if-empty` skip it.
        _remove_demo(workspace)
        raise
    return DemoResult(
        workspace=workspace,
        created=True,
        customers=made_customers,
        events=made_events,
        api_key=secret,
        desk=desk,
    )


def _remove_demo(workspace: Workspace) -> None:
    User.objects.filter(username__in=[username for username, *_ in STAFF]).delete()
    desk_demo.remove_agents()
    workspace.delete()


def _create_workspace_and_staff() -> Workspace:
    with transaction.atomic():
        workspace = accounts_services.create_workspace(slug=SLUG, name=NAME)
        for username, display_name, role in STAFF:
            user = accounts_services.create_staff_user(
                username=username, password=PASSWORD, display_name=display_name
            )
            accounts_services.add_member(workspace=workspace, user=user, role=role)
    return workspace


def _declare_attributes(workspace: Workspace) -> None:
    declare = customers_services.declare_attribute
    declare(
        workspace=workspace,
        key="member_level",
        label="会员等级",
        type=AttributeType.CHOICE,
        choices=LEVELS,
    )
    declare(workspace=workspace, key="birthday", label="生日", type=AttributeType.DATE)
    declare(workspace=workspace, key="total_spent", label="累计消费", type=AttributeType.NUMBER)
    declare(workspace=workspace, key="orders", label="订单数", type=AttributeType.NUMBER)
    declare(workspace=workspace, key="home_store", label="常去门店", type=AttributeType.TEXT)
    declare(workspace=workspace, key="member_since", label="入会日期", type=AttributeType.DATE)


@dataclass
class Member:
    number: int
    rng_seed: int
    name: str
    gender: str
    city: str
    store: str
    identities: dict[str, str]
    joined: datetime
    last_seen: datetime
    visits: list[datetime]
    stage: str
    attributes: dict
    consent: dict
    tags: list[str]
    is_seed: bool
    invites: int


class Simulation:
    """Everyone's behaviour over the last DAYS days, one block of members at a time."""

    def __init__(self, *, seed: int, now: datetime, events_per_customer: float):
        self.seed = seed
        self.now = now
        self.start = (now - timedelta(days=DAYS)).astimezone(UTC)
        # About 6.5 events a visit (measured); members visit in proportion to their appetite and tenure.
        self.visits_per_customer = max(events_per_customer / 6.5, 0.2)
        self.day_weight = [
            _day_weight((self.start + timedelta(days=d)).astimezone(SHANGHAI).date())
            for d in range(DAYS)
        ]
        self.taken: set[str] = set()

    def members(self, start: int, count: int) -> list[Member]:
        rng = random.Random(f"{self.seed}-members-{start}")
        return [self._member(rng, start + i + 1) for i in range(count)]

    def _member(self, rng: random.Random, number: int) -> Member:  # noqa: PLR0915 - one flat recipe
        gender = "female" if rng.random() < 0.62 else "male"
        city = people.CITY.pick(rng)
        # A third were members before the window; the rest joined during it.
        joined_day = -rng.randrange(1, 720) if rng.random() < 0.33 else rng.randrange(DAYS)
        appetite = rng.lognormvariate(0, 0.9)  # heavy users order weekly, light ones monthly
        churn_day = rng.randrange(max(joined_day, 0), DAYS) if rng.random() < 0.3 else None
        first, last = max(joined_day, 0), churn_day if churn_day is not None else DAYS - 1
        expected = self.visits_per_customer * appetite * (last - first + 1) / (DAYS * 0.62)
        visits = self._visit_times(rng, first, last, expected)
        name = people.person_name(rng, gender)
        identities: dict[str, str] = {
            IdentityKind.EXTERNAL_ID: f"CY{number:08d}",
            IdentityKind.PHONE: self._unique(lambda: people.phone(rng)),
        }
        if rng.random() < 0.85:
            identities[IdentityKind.OPENID] = people.openid(rng)
            if rng.random() < 0.7:
                identities[IdentityKind.UNIONID] = people.openid(rng, "oUn")
        if rng.random() < 0.18:
            identities[IdentityKind.EMAIL] = self._unique(lambda: people.email(rng, name, number))
        if rng.random() < 0.12:
            identities[IdentityKind.QQ] = self._unique(lambda: str(rng.randrange(10**6, 3 * 10**9)))
        orders = sum(1 for _ in visits if rng.random() < 0.8)
        spent = round(orders * rng.uniform(16, 30), 1)
        invites = rng.choices([0, 1, 2, 5], [88, 7, 3, 2])[0] if visits else 0
        joined = self.start + timedelta(days=joined_day, hours=rng.randrange(9, 22))
        last_seen = visits[-1] if visits else joined
        stage = self._stage(joined, last_seen, len(visits), invites, churn_day)
        tags = [
            t
            for t, p in (
                ("奶茶控", min(0.9, len(visits) / 40)),
                ("学生", 0.18),
                ("上班族", 0.4),
                ("价格敏感", 0.2),
                ("投诉过", 0.04),
                ("宝妈", 0.08),
                ("夜猫子", 0.1),
                ("外卖党", 0.15),
            )
            if rng.random() < p
        ]
        birthday = date(rng.randint(1970, 2008), rng.randint(1, 12), rng.randint(1, 28))
        level = LEVELS[0 if spent < 200 else 1 if spent < 600 else 2 if spent < 1500 else 3]
        return Member(
            number=number,
            rng_seed=rng.randrange(2**32),
            name=name,
            gender=gender,
            city=city,
            store=rng.choice(STORES[city]),
            identities=identities,
            joined=joined,
            last_seen=last_seen,
            visits=visits,
            stage=stage,
            invites=invites,
            attributes={
                "member_level": level,
                "birthday": birthday.isoformat(),
                "total_spent": spent,
                "orders": orders,
            },
            consent={
                "marketing": rng.random() < 0.55,
                "sms": rng.random() < 0.4,
                "wechat": IdentityKind.OPENID in identities,
                "analytics": rng.random() < 0.9,
            },
            tags=tags,
            is_seed=rng.random() < 0.03,
        )

    def _unique(self, make: Callable[[], str]) -> str:
        """A value no earlier member has: random phones, QQ numbers and mailboxes do collide at
        a million members (the birthday problem), and an identity belongs to one customer."""
        value = make()
        while value in self.taken:
            value = make()
        self.taken.add(value)
        return value

    def _visit_times(
        self, rng: random.Random, first: int, last: int, expected: float
    ) -> list[datetime]:
        """Visits spread over the member's active days, following their own purchase cycle and
        the brand's calendar (weekends, holidays)."""
        count = int(expected) + (rng.random() < expected % 1)
        if count <= 0 or last < first:
            return []
        span = last - first + 1
        cycle = span / count
        visits = []
        for k in range(count):
            # Planned on the member's cycle, nudged toward busy days within half a cycle.
            planned = first + (k + rng.random()) * cycle
            window = range(
                max(first, int(planned - cycle / 2)), min(last, int(planned + cycle / 2)) + 1
            )
            day = (
                rng.choices(window, [self.day_weight[d] for d in window])[0]
                if len(window) > 1
                else window[0]
            )
            hour = rng.choices(range(24), cum_weights=_HOUR_CUM)[0]
            visits.append(self.start + timedelta(days=day, hours=hour, seconds=rng.randrange(3600)))
        visits.sort()
        return [v for v in visits if v < self.now]

    def _stage(
        self,
        joined: datetime,
        last_seen: datetime,
        visits: int,
        invites: int,
        churn_day: int | None,
    ) -> str:
        idle = (self.now - last_seen).days
        if idle > 45 or (churn_day is not None and visits == 0):
            return "churned"
        if idle > 21:
            return "at_risk"
        if (self.now - joined).days <= 14:
            return "new"
        if invites >= 2:
            return "ambassador"
        if visits >= 25:
            return "fan"
        if visits >= 12:
            return "loyal"
        return "active"

    def events(self, members: list[Member]) -> Iterator[EventRow]:
        for member in members:
            yield from self._member_events(member)

    def _member_events(self, m: Member) -> Iterator[EventRow]:
        rng = random.Random(m.rng_seed)
        uid = m.identities[IdentityKind.EXTERNAL_ID]
        seq = 0

        def event(name: str, at: datetime, **props: object) -> EventRow:
            nonlocal seq
            seq += 1
            return EventRow(
                type="track",
                event=name,
                user_id=uid,
                anonymous_id="",
                properties=props,
                timestamp=at,
                message_id=f"demo-{uid}-{seq}",
            )

        if m.joined >= self.start and IdentityKind.OPENID in m.identities:
            yield event(
                "关注公众号",
                m.joined,
                source=rng.choice(["门店海报", "小程序", "朋友推荐", "搜索"]),
            )
        for at in m.visits:
            online = rng.random() < (0.75 if _is_double_eleven(at) else 0.2)
            channel = "网店" if online else "小程序"
            yield event("打开小程序" if not online else "访问网店", at, channel=channel)
            t = at + timedelta(seconds=rng.randrange(5, 60))
            yield event("浏览菜单", t, channel=channel)
            if rng.random() < 0.15:
                yield event(
                    "领取优惠券", t, coupon=rng.choice(["满30减5", "第二杯半价", "新品8折"])
                )
            if rng.random() < 0.2:
                continue  # looked and left
            product, price, _ = rng.choices(PRODUCTS, [w for *_, w in PRODUCTS])[0]
            cups = rng.choices([1, 2, 3, 4], [60, 28, 8, 4])[0]
            t += timedelta(seconds=rng.randrange(20, 180))
            yield event("加入购物车", t, product=product, quantity=cups)
            amount = round(price * cups * rng.choice([1, 1, 1, 0.9, 0.8]), 2)
            order = f"O{uid[2:]}{seq:04d}"
            store = "网店" if online else m.store
            t += timedelta(seconds=rng.randrange(10, 90))
            yield event(
                "下单",
                t,
                order_id=order,
                amount=amount,
                store=store,
                product=product,
                quantity=cups,
            )
            yield event(
                "支付成功",
                t + timedelta(seconds=rng.randrange(3, 30)),
                order_id=order,
                amount=amount,
                method=rng.choices(["微信支付", "支付宝", "会员余额"], [75, 20, 5])[0],
            )
            if rng.random() < 0.12:
                yield event(
                    "评价",
                    t + timedelta(hours=rng.randrange(1, 30)),
                    order_id=order,
                    rating=rng.choices([5, 4, 3, 2, 1], [55, 25, 10, 5, 5])[0],
                )
            if rng.random() < 0.06:
                yield event("分享", t + timedelta(minutes=rng.randrange(1, 30)), product=product)
        for k in range(m.invites):
            if m.visits:
                yield event(
                    "邀请好友",
                    m.visits[min(k, len(m.visits) - 1)] + timedelta(minutes=5),
                    invitee=f"CY{(m.number * 7919 + k) % 10**8:08d}",
                )


def _store_members(workspace: Workspace, members: list[Member], tags: dict[str, int]) -> None:
    with transaction.atomic():
        created = Customer.objects.bulk_create(
            [
                Customer(
                    workspace=workspace,
                    name=m.name,
                    gender=m.gender,
                    city=m.city,
                    lifecycle_stage=m.stage,
                    is_seed=m.is_seed,
                    consent=m.consent,
                    attributes={
                        **m.attributes,
                        "home_store": m.store,
                        "member_since": m.joined.date().isoformat(),
                    },
                )
                for m in members
            ],
            batch_size=2000,
        )
        # Identities and tag links are three quarters of the rows; Django's bulk_create spends
        # about 70 µs preparing each, the driver's executemany a few.
        now = timezone.now()
        identity_rows = [
            (workspace.pk, c.pk, kind, value, now)
            for c, m in zip(created, members, strict=True)
            for kind, value in m.identities.items()
        ]
        tag_rows = [(c.pk, tags[t]) for c, m in zip(created, members, strict=True) for t in m.tags]
        with connection.cursor() as cursor:
            cursor.executemany(
                _insert_sql(Identity, ["workspace", "customer", "kind", "value", "created_at"]),
                identity_rows,
            )
            cursor.executemany(_insert_sql(Customer.tags.through, ["customer", "tag"]), tag_rows)
            # A member is first known when they joined, not when the demo was loaded; otherwise
            # the dashboard would count every demo customer as new today.
            adapt = connection.ops.adapt_datetimefield_value
            cursor.executemany(
                f"UPDATE {Customer._meta.db_table} SET created_at = %s WHERE id = %s",  # noqa: S608
                [(adapt(m.joined), c.pk) for c, m in zip(created, members, strict=True)],
            )


def _insert_sql(model: type[models.Model], fields: list[str]) -> str:
    columns = ", ".join(str(model._meta.get_field(f).column) for f in fields)  # type: ignore[union-attr]
    return (
        f"INSERT INTO {model._meta.db_table} ({columns}) "  # noqa: S608 - names from the models
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )


def _day_weight(day: date) -> float:
    weight = 1.35 if day.weekday() >= 5 else 1.0
    if date(day.year, 10, 1) <= day <= date(day.year, 10, 7):
        weight *= 1.8  # 国庆黄金周: people are out and about
    if day in _MID_AUTUMN or day in _DRAGON_BOAT:
        weight *= 1.6
    if date(day.year, 11, 1) <= day <= date(day.year, 11, 11):
        weight *= 1.3 if day.day < 11 else 3.0  # 双十一 presale, then the day itself
    if day in _SPRING_FESTIVAL:
        weight *= 0.5  # stores close, people go home
    return weight


def _is_double_eleven(at: datetime) -> bool:
    local = at.astimezone(SHANGHAI)
    return local.month == 11 and 1 <= local.day <= 11


# Lunar holidays by Gregorian date (from the State Council holiday notices).
_MID_AUTUMN = {date(2024, 9, 17), date(2025, 10, 6), date(2026, 9, 25), date(2027, 9, 15)}
_DRAGON_BOAT = {date(2024, 6, 10), date(2025, 5, 31), date(2026, 6, 19), date(2027, 6, 9)}
_SPRING_FESTIVAL = (
    {date(2025, 1, 29) + timedelta(days=i) for i in range(-1, 7)}
    | {date(2026, 2, 17) + timedelta(days=i) for i in range(-1, 7)}
    | {date(2027, 2, 6) + timedelta(days=i) for i in range(-1, 7)}
)
