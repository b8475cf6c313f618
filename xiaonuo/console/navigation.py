"""Every area of the product (DESIGN.md §2), in the order the sidebar shows them.

``url_name`` is set once an area is built; until then the area's page says plainly that it is
not built yet, instead of showing made-up numbers.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Area:
    slug: str
    label: Promise
    description: Promise
    url_name: str | None = None  # None: not built yet


AREAS: tuple[Area, ...] = (
    Area("dashboard", _("概览"), _("今天的真实数据一览"), "console:dashboard"),
    Area(
        "customers", _("用户"), _("用户 360：身份、属性、标签、生命周期与时间线"), "customers:list"
    ),
    Area("inbox", _("收件箱"), _("所有渠道的会话集中处理，工单与投诉"), "desk:inbox"),
    Area(
        "autoreply",
        _("自动回复"),
        _("知识库、关键词规则与语义匹配，答不了的转人工"),
        "autoreply:entries",
    ),
    Area(
        "channels", _("渠道"), _("微信公众号、网页聊天、QQ 群、企业微信与邮件"), "channels:widgets"
    ),
    Area(
        "feedback",
        _("用户之声"),
        _("评价与投诉的情感和方面分析，产品 × 服务象限"),
        "feedback:reviews",
    ),
    Area("monitoring", _("舆情监测"), _("品牌与竞品的声量、突增检测与预警")),
    Area("delight", _("惊喜关怀"), _("触发规则、礼品预算、频次控制与对照组效果")),
    Area("growth", _("种子用户与推荐"), _("种子计划、推荐码、奖励台账与 K 因子")),
    Area("community", _("社群"), _("群聊管理、投诉转私聊与社群健康度")),
    Area("analytics", _("分析"), _("留存、生命周期、RFM、流失风险与 CLV"), "analytics:retention"),
    Area("settings", _("设置"), _("成员与角色、API 密钥、审计日志"), "accounts:settings"),
)

AREAS_BY_SLUG = {area.slug: area for area in AREAS}
