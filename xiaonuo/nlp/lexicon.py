"""The word lists behind aspects, clause polarity and complaint detection.

Written by the project (not taken from any corpus), in simplified characters: texts are folded
to simplified before matching (``normalize.fold``), so 服務態度 matches 服务态度. Each entry is
a short string matched inside a clause; single characters (贵, 慢, 差 …) only count when jieba
cuts them as a word of their own, so 差 in 出差 or 快 in 快递 is never an opinion.

Why lists and not a trained model: no public data with aspect or complaint labels ships in an
installed package, and the shared corpora may not be shipped or trained on. The lists are
measured against reviews written for the repository (``evaluation/reviews_*.tsv``); see
docs/decisions/0014-nlp-models.md.
"""

from enum import StrEnum


class Aspect(StrEnum):
    PRODUCT = "product"  # product quality: the goods or dishes themselves (质量, 味道, 做工 …)
    SERVICE = "service"  # service attitude: staff and customer service (态度, 客服, 服务员 …)
    LOGISTICS = "logistics"  # logistics and delivery: shipping, riders, speed, packaging
    PRICE = "price"  # price and value for money
    ENVIRONMENT = "environment"  # the place: cleanliness, noise, decoration, rooms, location
    OTHER = "other"  # an opinion with none of the above named (整体不错, 下次还来)


class Polarity(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"  # no opinion either way, or as much praise as criticism


def _words(block: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(block.split()))


# Words that name an aspect. A clause that names several aspects gets a mention of each.
ASPECT_TERMS: dict[Aspect, tuple[str, ...]] = {
    Aspect.PRODUCT: _words("""
        质量 品质 做工 用料 材质 材料 面料 布料 手感 质感 效果 功能 性能 配置 屏幕 电池 续航 信号
        音质 音效 像素 拍照 画质 尺码 尺寸 大小 颜色 色差 款式 版型 做法 味道 口味 口感 味儿 好吃
        难吃 好喝 难喝 新鲜 菜品 菜量 饭菜 分量 份量 量少 量大 量足 量很少 量太少 正品 假货 次品
        瑕疵 起球 掉色 褪色 异味 油腻 太咸 太淡 太辣 内容 印刷 纸张 纸质 排版 翻译 早餐 食材 汤
        肉 米饭 面条 饮料 奶茶 咖啡 蛋糕 商品 产品 东西 宝贝 衣服 鞋子 手机 电脑 系统 软件 耐用 好用
        难用 死机 卡顿 发热 漏水 坏了 坏掉 变质 过期 不新鲜 夹生 没熟 凉了 冷了 鞋 书 菜 饭
        茶叶 茶 水果 零食 洗发水 化妆品 护肤品 面膜 家电 电器 热水器 洗衣机 冰箱 玩具 正宗 地道 美味
        可口 入味 霉味 发霉
    """),
    Aspect.SERVICE: _words("""
        服务 态度 客服 服务员 前台 店家 商家 卖家 店主 老板 掌柜 售后 回复 回应 答复 热情 耐心 冷漠
        爱答不理 爱理不理 不理人 不理我 没人理 不耐烦 礼貌 不礼貌 周到 贴心 专业 解答 沟通 处理 推诿
        踢皮球 敷衍 服务生 经理 工作人员 店员 导购 师傅 接待 不回复 不回消息 赠品 信用 诚信 说好的
        骂人 凶 甩脸
    """),
    Aspect.LOGISTICS: _words("""
        物流 快递 发货 送货 送餐 配送 外卖小哥 小哥 骑手 送达 到货 收货 速度 超时 迟到 晚到 准时
        包装 破损 压坏 压扁 洒了 撒了 漏了 送错 发错 少送 漏送 少发 漏发 送到 送来 送得 到得 来得
        派送 派件 揽件 签收 运输 路上 顺丰 京东快递 邮政 中通 圆通 申通 韵达 等了 等了好久 一个小时
        两个小时 半小时 还没到 没送到 没收到 还没收到 还没发货
    """),
    Aspect.PRICE: _words("""
        价格 价钱 价位 售价 贵 便宜 实惠 划算 性价比 物美价廉 不值 值这个价 超值 优惠 折扣 打折 满减
        红包 收费 乱收费 多收 扣钱 扣款 运费 配送费 涨价 降价 差价 价 钱 块钱 元
    """),
    Aspect.ENVIRONMENT: _words("""
        环境 装修 卫生 干净 整洁 脏 乱 位置 地段 交通 停车 安静 吵 噪音 隔音 氛围 房间 设施 设备
        空调 卫生间 厕所 洗手间 大堂 景色 视野 风景 床 床单 被子 热水 浴室 窗户 采光 座位 桌子 餐厅
        店面 门店 大厅 异味 蟑螂 老鼠 虫子
    """),
}

# Opinion words and their sign. Longer entries win over the shorter ones inside them
# (不新鲜 over 新鲜, 不错 over 错), so negated forms that people write as one word are listed.
POSITIVE_WORDS = _words("""
    好 很好 挺好 不错 满意 喜欢 爱了 棒 很棒 赞 点赞 给力 优秀 完美 好吃 好喝 美味 可口 香 地道 新鲜
    快 很快 挺快 及时 准时 神速 迅速 热情 耐心 周到 礼貌 有礼貌 专业 贴心 细心 负责 干净 整洁 安静
    舒适 舒服 便宜 实惠 划算 值 超值 值得 物美价廉 精致 结实 耐用 好用 正品 推荐 方便 漂亮 好看 清晰
    流畅 靠谱 惊喜 感谢 谢谢 好评 五星 满分 完好 不贵 合适 合身 大方 宽敞 温馨 齐全 好评如潮 美美的
    点赞 赞赞 回购 还会再来 还会来 下次还来 会再买 支持 开心 高兴 感动 放心 不失望 没失望 nice good
    还行 可以 还可以 对得起 正宗 入味 过瘾 顺 顺滑 合理
""")
NEGATIVE_WORDS = _words("""
    差 很差 太差 不好 糟糕 失望 垃圾 烂 坑 坑人 难吃 难喝 难用 慢 太慢 很慢 好慢 超时 迟到 晚到
    冷漠 不耐烦 态度差 敷衍 恶劣 差劲 脏 乱 吵 贵 太贵 不值 坏 坏了 破 破了 破损 漏 漏了 洒了 撒了
    假 假货 次品 瑕疵 异味 臭 馊 咸 油腻 硬 凉 凉了 冷了 少 量少 投诉 差评 后悔 骗 欺骗 上当
    不满 生气 无语 恶心 一般 难受 不新鲜 不理人 爱答不理 爱理不理 没人理 发错 送错 少送 漏送 掉色
    起球 卡 卡顿 死机 过期 变质 夹生 没熟 不值得 不推荐 不满意 不喜欢 不会再买 再也不 不会再来
    郁闷 失败 问题 毛病 压坏 压扁 太咸 太淡 太辣 太甜 太油 不干净 不新鲜 不专业 不礼貌 麻烦 折腾
    推诿 踢皮球 不回复 不回消息 拉肚子 吃坏 头发 虫子 蟑螂 bad
    偏小 偏大 偏紧 有点小 太小 小了 霉味 发霉 污渍 没人处理 不处理 不讲信用 裂了 碎了 烂的 开线
    开胶
""")

# Words that contain an opinion word's characters but say nothing (好几次, 好像, 差不多); they
# are matched like opinion words, so they hide the 好 or 差 inside them, and count zero.
NEUTRAL_WORDS = _words("""
    好几 好久 好多 好像 好在 只好 正好 刚好 好不容易 差不多 说好 好的 好吗 好不好 还好吗 出差
""")

# Written before an opinion word, these turn it around (不太好, 没有很快, 一点也不新鲜).
NEGATORS = _words("""
    不 没 没有 别 未 无 不太 不怎么 不是很 不是 不够 并不 并没有 一点也不 一点都不 毫不 不算 算不上
    谈不上 不大 不那么 没那么
""")
# How far before an opinion word a negator may stand (不是很好: 不是很 + 好).
NEGATION_WINDOW = 4

# Clauses are cut at punctuation and before these words; what follows a contrast weighs more in
# the overall verdict (味道不错，就是太慢了 reads as a complaint about speed).
CONTRAST_WORDS = _words("但是 但 不过 可是 就是 只是 然而 可惜 唯一 除了")

# Complaint cues with weights: an explicit demand for redress or escalation counts most, a
# described failure next, a strong verdict least (it is dissatisfaction, not yet a complaint).
COMPLAINT_CUES: dict[str, float] = {
    **dict.fromkeys(
        _words("""
            投诉 举报 12315 消协 消费者协会 工商局 市场监管 曝光 维权 起诉 报警 欺诈 骗子 骗钱 退款 退钱
            赔偿 索赔 赔钱 差评 给个说法 要个说法 讨个说法 必须处理 给我处理 找你们 退一赔三
        """),
        2.0,
    ),
    **dict.fromkeys(
        _words("""
            怎么回事 什么情况 怎么还没 还没到 还没收到 还没发货 一直没 没人管 没人理 没人处理 不处理
            不回复 不回消息 打不通 送错 发错 少送 漏送 少发 漏发 坏了 破了 破损 压坏 过期 变质 发霉 异物
            头发 虫子 蟑螂 拉肚子 吃坏 假货 假的 乱收费 多收 扣钱 扣款 重复扣 不给退 不退 拒绝退 退货
            换货 洒了 撒了 漏了 超时 迟到 等了 小时 态度恶劣 骂人 威胁 到底 爱答不理 爱理不理 好几遍
            几遍 不给处理 申请售后 污渍 漏的 裂了 碎了 压扁 推诿 没有送 没送 霉味 发霉 漏水 烂的
            还是不
        """),
        1.2,
    ),
    **dict.fromkeys(
        _words("""
            再也不 不会再 黑店 坑人 垃圾 恶心 太差 差劲 失望 上当 受骗 无语 气死 生气 后悔 骗人 忽悠
        """),
        0.5,
    ),
}

# Emoji carry the whole opinion of many short messages (👍, 😡).
POSITIVE_EMOJI = frozenset("👍👏😊😄😁😃😀🙂😍🥰😘❤💕💖💯🎉🌹👌✌🤩😋")
NEGATIVE_EMOJI = frozenset("👎😡😠🤬😤💩😭😢😞😩😫🤮🤢😒🙄💔")

# Never keywords: function words, pronouns and the filler of reviews (好评 says nothing the
# sentiment does not).
STOP_WORDS = frozenset(
    _words("""
        的 了 是 我 你 他 她 它 们 我们 你们 他们 这 那 这个 那个 这些 那些 就 也 都 还 又 很 太 非常 特别
        挺 比较 有点 有些 一点 一些 一下 一个 一次 个 和 与 及 或 在 到 从 对 把 被 给 让 跟 吧 吗 呢 啊
        呀 哦 嗯 哈 哈哈 哈哈哈 啦 么 吗 之 其 但是 但 不过 可是 就是 只是 而且 并且 所以 因为 如果 虽然
        然后 还是 或者 已经 没有 不 没 有 会 能 要 想 说 看 去 来 做 用 上 下 里 中 后 前 时 时候 什么 怎么
        为什么 这样 那样 这么 那么 自己 东西 一直 真的 真是 感觉 觉得 可以 还有 以后 之前 现在 今天
        昨天 明天 下次 下回 次 点 些 哪 谁 啥 嘛 呗 吧 哟 喔 嘿 好评 差评 评价 满意 不错 好 很好 一般
    """)
)
