"""What every desk page shares: error texts for people, customer labels, the desk toolbar."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xiaonuo.accounts.auth import ConsoleRequest, has_perm
from xiaonuo.accounts.models import User
from xiaonuo.accounts.permissions import Perm
from xiaonuo.customers import selectors as customers_selectors
from xiaonuo.customers.identities import masked_value
from xiaonuo.customers.models import Customer, IdentityKind
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk.exceptions import DeskError
from xiaonuo.lib.errors import ServiceError

# The services' messages are English, for API clients; the console says the same in the
# reader's language, keyed by the stable code.
ERROR_TEXT: dict[str, Promise] = {
    DeskError.MESSAGE_EMPTY: _("内容不能为空。"),
    DeskError.MESSAGE_TOO_LONG: _(
        "内容太长了：一条消息最多 5000 个字符。没有发送，草稿保留在下面。"
    ),
    DeskError.TICKET_CLOSED: _(
        "工单已关闭，不能再回复或修改。客户再次来信时，会自动开启一个新的跟进工单。"
    ),
    DeskError.TICKET_HAS_NO_CONVERSATION: _(
        "这个工单没有关联会话，消息无法送达客户。请改为添加内部备注。"
    ),
    DeskError.TRANSITION_NOT_ALLOWED: _("工单不能从当前状态直接改为这个状态。"),
    DeskError.STATUS_INVALID: _("未知的状态。"),
    DeskError.PRIORITY_INVALID: _("未知的优先级。"),
    DeskError.SUBJECT_TOO_LONG: _("主题最多 200 个字符。"),
    DeskError.TAG_INVALID: _("每个标签最多 50 个字符、不含逗号；每个工单最多 20 个标签。"),
    DeskError.ASSIGNEE_INVALID: _("只能分配给本工作区负责接待的成员。"),
    DeskError.ASSIGN_OTHERS_FORBIDDEN: _("只有主管可以把工单分配给别人，或接手别人的工单。"),
    DeskError.MERGE_SAME: _("工单不能并入它自己。"),
    DeskError.MERGE_CUSTOMER_MISMATCH: _("两个工单属于不同的用户：请先合并这两位用户。"),
    DeskError.CAPACITY_INVALID: _("请填写有效的数字：接待上限 0–100，自动关闭 1–365 天。"),
    DeskError.PRESENCE_INVALID: _("未知的在线状态。"),
    DeskError.ASSIGNMENT_MODE_INVALID: _("未知的分配方式。"),
    DeskError.CANNED_REPLY_INVALID: _("快捷回复需要标题（最多 100 字）和内容（最多 5000 字）。"),
    DeskError.CANNED_VARIABLE_UNKNOWN: _(
        "内容里有未知的变量。可用的变量：{{客户姓名}}、{{客服姓名}}、{{店铺名称}}、{{工单号}}、{{订单号}}。"
    ),
    DeskError.CANNED_TITLE_TAKEN: _("已经有同名的快捷回复了。"),
    DeskError.COMPLAINT_INVALID: _("请检查严重程度、类别和文字（必填项不能为空，最多 5000 字）。"),
    DeskError.COMPLAINT_STATE: _("投诉当前的状态不能进行这个操作。"),
    DeskError.COMPENSATION_INVALID: _("补偿方式或金额无效（金额在 0 到 1,000,000 元之间）。"),
    DeskError.COMPENSATION_PENDING: _("还有补偿方案在等主管审批，审批之后才能结案。"),
    DeskError.ESCALATION_TARGET_INVALID: _("只能升级给本工作区的主管。"),
    DeskError.TONE_WORDS_INVALID: _("每个词表最多 500 条，每条最多 50 个字符。"),
    DeskError.TEAM_INVALID: _("团队需要名称（最多 50 个字符），成员必须是负责接待的成员。"),
    DeskError.TEAM_NAME_TAKEN: _("已经有同名的团队了。"),
}


def error_text(error: ServiceError) -> str:
    return str(ERROR_TEXT.get(error.code, error.message))


def customer_label(customer: Customer) -> str:
    """A customer as lists show them: the name, else a masked identity (phones masked for every
    role in lists, as the customer list does), else the id."""
    if customer.name:
        return customer.name
    identities = list(customer.identities.all())
    for kind in (IdentityKind.PHONE, IdentityKind.EMAIL, IdentityKind.EXTERNAL_ID):
        for identity in identities:
            if identity.kind == kind:
                return masked_value(identity.kind, identity.value)
    if identities:
        first = identities[0]
        return f"{first.get_kind_display()} {masked_value(first.kind, first.value)}"
    return f"#{customer.pk}"


def load_identities_of_nameless(customers: Iterable[Customer]) -> None:
    """One query for the identities of the customers without a name (only they need them)."""
    nameless = [c for c in customers if not c.name]
    if nameless:
        prefetch_related_objects(nameless, Prefetch("identities"))


def user_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.display_name or user.username


def optional_url(name: str) -> str:
    """The URL of a sub-app's page once that page exists (SLA, surveys), else ''."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def desk_context(request: ConsoleRequest, **extra: Any) -> dict[str, Any]:
    """The desk toolbar on every desk page: presence for agents, their teams, the desk's own
    navigation."""
    handles = has_perm(request, Perm.HANDLE_CONVERSATIONS)
    context: dict[str, Any] = {
        "active_area": "inbox",
        "can_handle": handles,
        "can_manage_desk": has_perm(request, Perm.MANAGE_DESK),
        "my_presence": desk_selectors.get_presence_status(
            workspace=request.workspace, user=request.user
        )
        if handles
        else "",
        "my_teams": [
            t.name
            for t in desk_selectors.list_user_teams(workspace=request.workspace, user=request.user)
        ],
    }
    context.update(extra)
    return context


def customer_summary(request: ConsoleRequest, customer_id: int) -> dict[str, Any]:
    """The profile beside a ticket: name, stage, tags, identities masked (revealing is on the
    customer's own page, audited), and whether the reader may open that page."""
    customer = customers_selectors.get_customer_profile(
        workspace=request.workspace, customer_id=customer_id
    )
    return {
        "customer": customer,
        "label": customer_label(customer),
        "identities": [
            (identity.get_kind_display(), masked_value(identity.kind, identity.value))
            for identity in customer.identities.all()
        ],
        "tags": [tag.name for tag in customer.tags.all()],
        "can_open": has_perm(request, Perm.VIEW_CUSTOMERS),
    }
