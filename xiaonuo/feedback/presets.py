"""Column mappings of the marketplaces' review exports (docs/decisions/0017).

The header names follow what each platform's seller centre usually writes in its review export;
exports change over time and between shop types, so each preset lists several spellings per
field and the first one present in the file wins. A workspace whose file has other headers
saves its own mapping (``ColumnMapping``) once and uses it by name.
"""

from collections.abc import Mapping, Sequence

from xiaonuo.feedback.models import Platform

# The fields of a review that a file may fill. ``text`` is the only required one.
FIELDS: tuple[str, ...] = (
    "text",
    "external_id",
    "store",
    "product",
    "rating",
    "author_name",
    "author_handle",
    "reviewed_at",
)
REQUIRED_FIELDS = ("text", "reviewed_at")

# field → candidate headers, in order of preference.
Preset = Mapping[str, Sequence[str]]

PRESETS: dict[str, tuple[str, Preset]] = {
    "taobao": (
        Platform.TAOBAO,
        {
            "text": ("评价内容", "初评内容", "评论内容"),
            "external_id": ("订单号", "子订单编号", "订单编号", "评价ID"),
            "store": ("店铺名称", "门店名称"),
            "product": ("宝贝名称", "商品名称", "宝贝标题"),
            "rating": ("评分", "评价等级", "宝贝与描述相符"),
            "author_name": ("买家昵称", "会员名"),
            "author_handle": ("买家ID", "手机号"),
            "reviewed_at": ("评价时间", "初评时间"),
        },
    ),
    "jd": (
        Platform.JD,
        {
            "text": ("评价内容", "评论内容"),
            "external_id": ("订单号", "评价ID", "订单编号"),
            "store": ("店铺名称", "门店名称"),
            "product": ("商品名称", "SKU名称"),
            "rating": ("评分", "评价星级", "商品评分"),
            "author_name": ("用户昵称", "买家昵称"),
            "author_handle": ("用户PIN", "手机号"),
            "reviewed_at": ("评价时间", "评论时间"),
        },
    ),
    "meituan": (
        Platform.MEITUAN,
        {
            "text": ("评价内容", "评论内容"),
            "external_id": ("订单号", "订单ID", "评价ID"),
            "store": ("门店名称", "商家名称", "店铺名称"),
            "product": ("商品名称", "菜品名称", "点评菜品"),
            "rating": ("总体评分", "评分", "商家评分"),
            "author_name": ("用户名", "用户昵称", "顾客昵称"),
            "author_handle": ("手机号", "用户ID"),
            "reviewed_at": ("评价时间", "评论时间"),
        },
    ),
    "dianping": (
        Platform.DIANPING,
        {
            "text": ("评论内容", "评价内容", "点评内容"),
            "external_id": ("评论ID", "点评ID", "评价ID"),
            "store": ("门店名称", "商户名称", "分店名"),
            "product": ("推荐菜", "商品名称"),
            "rating": ("总评分", "星级", "评分"),
            "author_name": ("用户昵称", "网友昵称"),
            "author_handle": ("用户ID", "手机号"),
            "reviewed_at": ("评论时间", "点评时间", "评价时间"),
        },
    ),
}


def resolve(preset: Preset, header: Sequence[str]) -> dict[str, str]:
    """field → the first candidate header present in ``header``."""
    present = set(header)
    columns: dict[str, str] = {}
    for field, candidates in preset.items():
        for candidate in candidates:
            if candidate in present:
                columns[field] = candidate
                break
    return columns
