"""How report codes read on the console (translated); the CSV keeps the stable codes."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

SEGMENTS = {
    "champions": _("冠军用户"),
    "loyal": _("忠诚用户"),
    "potential_loyalists": _("潜力用户"),
    "new_customers": _("新客"),
    "promising": _("有希望"),
    "need_attention": _("需要关注"),
    "about_to_sleep": _("即将沉睡"),
    "at_risk": pgettext_lazy("rfm", "流失风险"),
    "cant_lose": _("不能失去"),
    "hibernating": _("沉睡用户"),
}
LIFECYCLE = {
    "new": pgettext_lazy("lifecycle", "新增"),
    "returning": _("持续活跃"),
    "resurrecting": _("回流"),
    "dormant": _("沉默"),
}
BREAKDOWN_VALUES = {
    "seed": _("种子用户"),
    "regular": _("普通用户"),
    "recovered": _("投诉已挽回"),
    "not_recovered": _("投诉未挽回"),
    "pending": _("投诉结果未知"),
    "none": _("无投诉"),
    "csat_low": _("满意度 1–2 分"),
    "csat_neutral": _("满意度 3 分"),
    "csat_high": _("满意度 4–5 分"),
    "no_csat": _("未评分"),
    "": _("全部"),
}
RISK_BANDS = {"high": _("高"), "medium": _("中"), "low": _("低")}
