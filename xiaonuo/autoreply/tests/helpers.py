"""Builders shared by auto-reply's tests: a small tea-shop knowledge base and a WeChat channel,
made through the real services."""

from typing import Any

from xiaonuo.accounts.models import Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.autoreply import engine
from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply.services import Answer, FaqInput
from xiaonuo.channels.inbound import InboundMessage
from xiaonuo.testing import make_channel

TEA_SHOP_FAQ = [
    (
        "多久发货",
        ["什么时候发货", "下单后几天发货", "订单还没发货怎么办"],
        "下单后 48 小时内发货，节假日顺延。",
    ),
    (
        "怎么申请退款",
        ["我要退款", "退款流程是什么", "怎么退钱"],
        "在“我的订单”里点“申请退款”，审核通过后 3 个工作日内原路退回。",
    ),
    (
        "门店营业时间",
        ["你们几点开门", "店里几点关门", "周末营业吗"],
        "门店每天 10:00–22:00 营业。",
    ),
    (
        "会员积分怎么用",
        ["积分可以抵现吗", "积分怎么兑换", "会员有什么优惠"],
        "100 积分抵 1 元，结账时勾选“使用积分”。",
    ),
    (
        "运费多少",
        ["包邮吗", "快递费怎么算", "满多少包邮"],
        "满 99 元包邮，不满收 8 元运费。",
    ),
]


def make_faq(*, workspace: Workspace, actor: Actor | None = None) -> dict[str, Any]:
    """The tea shop's entries, standard question → entry."""
    engine.forget(workspace.pk)
    entries = {}
    for question, phrasings, answer in TEA_SHOP_FAQ:
        entries[question] = autoreply_services.create_entry(
            workspace=workspace,
            data=FaqInput(question=question, phrasings=phrasings, answer=Answer(text=answer)),
            actor=actor or Actor(),
        )
    return entries


def make_wechat_channel(*, workspace: Workspace) -> Any:
    return make_channel(workspace=workspace, kind="wechat_oa", name="茶语公众号")


def ask(
    *, workspace: Workspace, channel: Any, text: str, openid: str = "oTea001", msg_id: str = ""
) -> Any:
    """A follower writes to the account, through the wiring the WeChat callback uses."""
    from xiaonuo.channels import autoreply_port

    return autoreply_port.respond()(
        workspace=workspace,
        inbound=InboundMessage(
            channel_id=channel.pk, text=text, identities={"openid": openid}, external_id=msg_id
        ),
    )
