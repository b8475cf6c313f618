"""What 茶小满's customers write and how its desk answers: the phrasings of the demo desk.

Each ``Scenario`` is one kind of contact (a late delivery, a hair in the drink, a refund, an
invoice, praise …) with the customer's openers and follow-ups, the agent's replies, internal
notes, the complaint it may become and its compensation. Slots in braces are filled per ticket:
{product} {store} {order} {phone} {name} (how the agent addresses the customer) {minutes}
{amount} {coupon} {agent} {points} {time}.

Written for the demo (tone: a chain's online desk — 亲, 您, apologies first, concrete next
steps); not taken from any real conversation.
"""

from dataclasses import dataclass, field

# Said around any conversation.
GREETINGS = ["在吗", "你好", "您好，在吗？", "有人吗", "客服在吗", "hello 在吗", "你好，咨询一下"]
AGENT_GREETINGS = [
    "您好，我是茶小满客服{agent}，很高兴为您服务～请问有什么可以帮您？",
    "亲，在的！请问有什么可以帮到您？",
    "您好～茶小满在线客服{agent}为您服务，请讲",
]
ASK_ORDER = [
    "麻烦您提供一下订单号，我这边马上帮您查询",
    "请问方便发一下订单号或者下单手机号吗？我帮您核实一下",
    "辛苦您把订单截图或者订单号发我一下哦",
]
GIVE_ORDER = [
    "订单号是{order}",
    "{order}",
    "订单号{order}，手机号{phone}",
    "手机号{phone}下的单",
    "我看一下……订单号 {order}",
]
WAIT = [
    "好的，请您稍等，我这边正在核实",
    "收到，正在帮您联系门店，请稍等1-2分钟",
    "马上为您查询，请稍候～",
]
CUSTOMER_NUDGES = [
    "还没好吗？",
    "怎么样了",
    "查到了吗",
    "？？？",
    "能快点吗，我一会儿还要开会",
    "好的我等一下",
    "嗯嗯",
    "行吧",
]
AGENT_NUDGE_REPLIES = [
    "正在为您加急处理，请再稍等一下哦",
    "让您久等了，门店那边已经在回复了",
    "抱歉让您久等，我这边一直在跟进",
]
ANYTHING_ELSE = [
    "请问还有其他可以帮您的吗？",
    "还有别的问题需要帮您处理吗？",
]
CUSTOMER_THANKS = [
    "没有了，谢谢",
    "好的，谢谢你",
    "谢谢，辛苦了",
    "行，那就这样吧",
    "好的，麻烦了",
    "OK 谢谢",
]
AGENT_GOODBYES = [
    "不客气，祝您生活愉快，欢迎再来茶小满～",
    "感谢您的理解与支持，祝您今天也有好心情！",
    "好的，有任何问题随时找我们，祝您愉快～",
]


@dataclass(frozen=True)
class Scenario:
    key: str
    weight: int  # share of tickets, relative
    tags: tuple[str, ...]
    openers: tuple[str, ...]
    details: tuple[str, ...]  # what the customer adds after being asked
    answers: tuple[str, ...]  # the agent's resolution or answer
    pushback: tuple[str, ...] = ()  # the customer is not satisfied yet
    calm: tuple[str, ...] = ()  # the agent's second try
    notes: tuple[str, ...] = ()  # internal notes
    needs_order: bool = True
    priority: tuple[int, int, int, int] = (15, 60, 20, 5)  # weights of low, normal, high, urgent
    # Complaint: the chance the ticket becomes one, its category, severities' weights,
    # compensations (kind, min, max yuan) and what the description says.
    complaint_rate: float = 0.0
    category: str = ""
    severities: tuple[int, int, int, int] = (50, 35, 12, 3)
    compensations: tuple[tuple[str, int, int], ...] = ()
    complaint_texts: tuple[str, ...] = field(default=())


SCENARIOS = [
    Scenario(
        key="late_delivery",
        weight=22,
        tags=("催单", "外卖"),
        openers=(
            "我的外卖怎么还没到？已经等了{minutes}分钟了",
            "点的{product}一个小时了还没送到",
            "催一下单，{store}的，说好半小时送到，现在还没影",
            "骑手一直不动是什么情况？",
            "我下午点的{product}到现在还没送到，怎么回事",
            "外卖显示已送达但是我根本没收到！",
        ),
        details=(
            "地址是公司前台，一直没人来",
            "骑手电话也打不通",
            "我就在楼下等着呢",
            "页面上显示骑手已取餐",
        ),
        answers=(
            "非常抱歉让您久等了！已联系骑手，预计{minutes}分钟内送达，这单配送费给您退回",
            "已经帮您催促门店和骑手了，骑手说路上堵车，大概10分钟到，给您添麻烦了",
            "查到是骑手送错楼栋了，正在给您送回来，同时给您补发一张{coupon}，实在抱歉",
        ),
        pushback=(
            "都这么久了，奶茶肯定都不冰了",
            "每次都这样，你们能不能靠谱点",
            "我不要了，直接退款吧",
        ),
        calm=(
            "理解您的心情，如果送到时口感不好，您可以直接拒收，我们全额退款",
            "实在抱歉，这单我们给您全额退款，饮品您照常收下，算我们的一点心意",
        ),
        notes=(
            "已电话联系骑手，定位在{store}附近，确认已取餐",
            "门店反馈高峰期出餐慢，本单出餐用时25分钟",
            "同一地址本周第二次超时，已反馈配送站",
        ),
        priority=(5, 55, 35, 5),
        complaint_rate=0.12,
        category="logistics",
        severities=(60, 30, 9, 1),
        compensations=(("coupon", 5, 10), ("partial_refund", 3, 8), ("refund", 15, 40)),
        complaint_texts=(
            "外卖超时{minutes}分钟，客户情绪激动，要求赔偿",
            "显示已送达但客户未收到，骑手无法联系",
        ),
    ),
    Scenario(
        key="missing_item",
        weight=10,
        tags=("漏送",),
        openers=(
            "少送了一杯{product}！",
            "我点了两杯，只到了一杯",
            "加的小料没有放，珍珠都没有",
            "吸管和勺子都没给，怎么喝",
            "送错了，我点的是{product}，给我的是柠檬茶",
        ),
        details=("袋子是封好的，应该是店里漏装了", "小票上写着两杯", "照片已经发你们了"),
        answers=(
            "非常抱歉，是门店漏装了，已为您安排补送，约30分钟送达",
            "给您带来不便很抱歉，漏送的{product}金额{amount}元已原路退回",
            "已经让{store}重新制作，骑手取餐后会第一时间给您送过去",
        ),
        pushback=("补送要多久啊，我马上要出门了", "能不能直接退钱"),
        calm=("可以的，已改为直接退款，{amount}元预计1-3个工作日到账",),
        notes=("门店确认漏装，已记录到门店出品差错", "补送单号已生成，骑手已接单"),
        complaint_rate=0.08,
        category="logistics",
        compensations=(("replacement", 0, 0), ("partial_refund", 10, 25), ("coupon", 5, 10)),
        complaint_texts=("漏送{product}一杯，客户要求补送并赔偿", "送错饮品，客户不满"),
    ),
    Scenario(
        key="taste_quality",
        weight=10,
        tags=("口味问题",),
        openers=(
            "今天的{product}味道不对，有股怪味",
            "{product}太甜了，我明明选的三分糖",
            "奶茶是馊的，喝了一口就吐了",
            "芒果不新鲜，都有点发黑了",
            "冰块都化完了，跟水一样",
            "这杯{product}是不是过期了，喝着发酸",
        ),
        details=(
            "是在{store}买的，下午三点左右",
            "杯贴上写的是三分糖",
            "我拍了照片，你看杯子里有沉淀",
        ),
        answers=(
            "非常抱歉没有给您带来好的体验，已为您全额退款{amount}元，并反馈门店检查原料",
            "给您补一张{coupon}，下次到店可以直接用，我们也已提醒门店按标准糖度制作",
            "已通知{store}店长检查今天的鲜果和奶底，稍后会有专人回访您",
        ),
        pushback=("退款就完了？我喝了之后肚子不舒服", "光道歉有什么用"),
        calm=(
            "非常抱歉，您的身体最重要。如有就医产生的费用，请保留凭证，我们会负责到底",
            "理解您的不满，已升级给我们的品控主管，今天之内会电话联系您",
        ),
        notes=(
            "门店当日芒果批次已下架检查",
            "客户反映腹部不适，已升级品控，需24小时内回访",
            "门店糖度机校准记录正常，可能是点单备注错误",
        ),
        priority=(5, 50, 35, 10),
        complaint_rate=0.25,
        category="product_quality",
        severities=(35, 40, 20, 5),
        compensations=(("refund", 15, 40), ("coupon", 10, 20), ("gift", 0, 0)),
        complaint_texts=("{product}口感异常，疑似原料变质", "糖度与备注不符，客户要求退款"),
    ),
    Scenario(
        key="foreign_object",
        weight=3,
        tags=("异物", "食品安全"),
        openers=(
            "奶茶里喝出了头发！！太恶心了",
            "杯子里有一只小虫子，你们怎么回事",
            "喝到一块塑料片，差点卡到喉咙",
            "{product}里面有根头发，我要投诉",
        ),
        details=(
            "照片和视频我都拍了",
            "在{store}买的，小票还在",
            "我已经打12315了，看你们怎么处理",
        ),
        answers=(
            "非常非常抱歉！这是我们绝对不允许出现的问题，已为您全额退款，门店当天停业自查",
            "万分抱歉，我们品控主管会在2小时内联系您当面致歉，本单全额退款并承担后续费用",
        ),
        pushback=("就这样？我要求十倍赔偿", "你们必须给个说法，不然我发微博了"),
        calm=(
            "您的诉求我们已经记录，赔偿方案由品控主管与您当面沟通，今天内一定给您答复",
            "我们非常重视，已经上报总部食品安全负责人，会给您一个满意的处理结果",
        ),
        notes=(
            "已上报食品安全负责人，门店今日全面消杀",
            "客户提到12315和微博，按重大投诉流程处理",
            "调取门店监控，出品环节工作人员均佩戴帽子",
        ),
        priority=(0, 10, 45, 45),
        complaint_rate=0.9,
        category="product_quality",
        severities=(5, 25, 45, 25),
        compensations=(("refund", 15, 40), ("refund", 100, 500), ("gift", 0, 0)),
        complaint_texts=(
            "饮品中发现异物（头发），客户提供照片，要求赔偿",
            "客户称喝到塑料片，威胁投诉12315并发微博",
        ),
    ),
    Scenario(
        key="refund",
        weight=12,
        tags=("退款",),
        openers=(
            "我要退款",
            "申请退款，不想要了",
            "下错单了，能退吗？",
            "退款什么时候到账？都三天了",
            "门店说没法做了，让我找客服退款",
            "我取消了订单，钱怎么还没退回来",
        ),
        details=(
            "用的微信支付",
            "付了{amount}元",
            "退款申请已经提交了，一直显示处理中",
        ),
        answers=(
            "已为您提交退款，{amount}元预计1-3个工作日原路退回，请留意微信支付通知",
            "查到退款已经成功了，银行卡退款会晚一些，最迟7个工作日到账",
            "订单还没制作，已为您取消并全额退款",
        ),
        pushback=("为什么要这么久", "上次退款也是拖了一个星期"),
        calm=("已为您加急处理，退款进度有更新会第一时间通知您",),
        notes=(
            "支付渠道退款单号已生成，原路退回",
            "退款因银行处理延迟，已提交加急",
        ),
        priority=(10, 70, 18, 2),
        complaint_rate=0.04,
        category="price",
        compensations=(("coupon", 5, 10),),
        complaint_texts=("退款迟迟未到账，客户多次催促",),
    ),
    Scenario(
        key="coupon_price",
        weight=8,
        tags=("优惠券", "价格"),
        openers=(
            "{coupon}为什么用不了",
            "优惠券显示已过期，我昨天才领的",
            "你们涨价了？{product}上周还是{amount}块",
            "第二杯半价怎么没有减",
            "新人券在哪里领",
        ),
        details=("截图发你了", "我是在小程序领的", "结算的时候提示不满足使用条件"),
        answers=(
            "这张券需要满30元才可以用哦，给您补发一张无门槛{coupon}，已放入您的卡包",
            "核实是系统问题导致未减免，差价已经退回给您",
            "新人券在小程序「我的-优惠券」里领取，注册7天内有效",
        ),
        pushback=("规则写得也太不清楚了吧",),
        calm=("您的建议很好，已经反馈给活动同事优化说明，感谢您",),
        notes=("活动配置满减门槛有误，已通知运营修改",),
        priority=(25, 65, 10, 0),
        complaint_rate=0.03,
        category="price",
        compensations=(("coupon", 3, 10),),
        complaint_texts=("优惠未正确减免，客户认为被欺骗",),
        needs_order=False,
    ),
    Scenario(
        key="membership",
        weight=7,
        tags=("会员积分",),
        openers=(
            "我的积分怎么少了{points}分",
            "会员等级怎么掉到银卡了",
            "生日券什么时候发",
            "换了手机号，会员怎么迁移",
            "积分可以兑换什么",
        ),
        details=("手机号是{phone}", "之前一直是金卡"),
        answers=(
            "查到积分是到期自动清零的，已为您补回{points}分，感谢您一直支持茶小满",
            "生日券会在生日当月1号发放到卡包，有效期一个月哦",
            "换绑手机号可以在「我的-设置-账号」里操作，原有积分和等级会保留",
        ),
        notes=("会员系统积分流水核对无误", "客户为黑金会员，优先处理"),
        priority=(30, 65, 5, 0),
        needs_order=False,
    ),
    Scenario(
        key="invoice",
        weight=5,
        tags=("发票",),
        openers=(
            "怎么开发票？",
            "需要开公司抬头的发票",
            "发票开错了，税号不对",
            "上个月的订单还能开票吗",
        ),
        details=("抬头：长沙某某科技有限公司，税号发你了", "订单号{order}"),
        answers=(
            "在订单详情页点「开发票」即可开具电子发票，一般1个工作日内发到您的邮箱",
            "已为您作废原发票并重新开具，请查收邮件",
        ),
        notes=("财务已重开发票",),
        priority=(40, 55, 5, 0),
    ),
    Scenario(
        key="store_service",
        weight=6,
        tags=("门店服务",),
        openers=(
            "{store}的店员态度太差了",
            "排队半小时，店员还在聊天",
            "我问了一句，店员直接说爱买不买",
            "门店不让用会员码，说系统坏了",
            "店员找错钱了，少找了我{amount}块",
        ),
        details=("大概是{time}的时候", "是一个戴眼镜的男店员", "当时人很多，我不想吵"),
        answers=(
            "非常抱歉给您不好的体验，已将情况反馈给{store}店长，会对当班店员进行批评教育",
            "实在抱歉，这完全不是我们的服务标准，店长会亲自给您致电道歉，另外补偿您一张{coupon}",
        ),
        pushback=("道歉有什么用，我要你们处理那个店员",),
        calm=("您的反馈我们非常重视，处理结果会在三个工作日内回复您",),
        notes=(
            "已调取门店监控，确认店员态度问题，店长已约谈",
            "门店当日只有两人当班，已协调增派人手",
        ),
        priority=(5, 55, 35, 5),
        complaint_rate=0.45,
        category="service_attitude",
        severities=(45, 40, 13, 2),
        compensations=(("coupon", 10, 20), ("gift", 0, 0), ("points", 0, 0)),
        complaint_texts=("门店店员服务态度恶劣，客户要求道歉", "门店排队时间过长，店员未及时接待"),
        needs_order=False,
    ),
    Scenario(
        key="app_issue",
        weight=6,
        tags=("小程序",),
        openers=(
            "小程序一直显示 Network Error，付不了款",
            "下单一直转圈",
            "付款成功了但是订单显示待支付",
            "小程序打不开了",
            "取餐码显示不出来",
        ),
        details=("iPhone 13，微信最新版", "安卓手机，华为的", "重启了也不行"),
        answers=(
            "刚才支付系统有短暂故障，现在已恢复，您的订单已正常生成",
            "麻烦您清一下微信缓存再试试，如果还不行我这边帮您手动下单",
            "查到您的款项已到账，订单已为您补建，取餐码是{points}",
        ),
        notes=("技术确认14:05-14:20支付回调延迟", "已提交技术工单"),
        priority=(10, 60, 25, 5),
        needs_order=False,
    ),
    Scenario(
        key="enquiry",
        weight=7,
        tags=("咨询",),
        openers=(
            "{store}几点关门？",
            "你们有不加糖的饮品吗",
            "{product}有咖啡因吗？孕妇能喝吗",
            "可以预定50杯吗？公司下午茶",
            "附近有门店吗，我在{store}这边",
            "新品什么时候上",
        ),
        details=("大概下周三下午", "送到公司，大概50杯"),
        answers=(
            "{store}营业时间是10:00-22:00，周末延长到23:00哦",
            "所有饮品都可以选无糖，推荐您试试{product}",
            "团购50杯以上可以享受9折，我这边帮您登记一下，稍后团购同事联系您",
            "{product}含少量茶多酚，孕期建议选择低咖啡因的鲜果茶系列",
        ),
        notes=("已转团购同事跟进，客户需求50杯",),
        priority=(45, 50, 5, 0),
        needs_order=False,
    ),
    Scenario(
        key="praise",
        weight=4,
        tags=("表扬",),
        openers=(
            "今天{store}的小姐姐服务太好了，必须表扬一下",
            "{product}太好喝了！！",
            "谢谢你们的骑手，下雨天还准时送到",
            "上次投诉处理得很快，点赞",
        ),
        details=("希望能转达给店员", "下次还来"),
        answers=(
            "收到您的表扬太开心啦！已经转达给{store}的小伙伴，感谢您的认可～",
            "谢谢您的支持！我们会继续努力做好每一杯茶",
        ),
        notes=("表扬已转达门店，计入店员月度好评",),
        priority=(70, 30, 0, 0),
        needs_order=False,
    ),
]

COUPONS = ["5元无门槛券", "第二杯半价券", "满30减8券", "免费升杯券", "10元代金券"]
TIMES = ["中午十二点", "下午两点多", "晚上七点左右", "刚才"]

# Complaint outcomes, written by whoever resolved it.
RESOLUTIONS = {
    "logistics": [
        "已退配送费并补偿优惠券，客户表示接受",
        "补送完成，客户确认收到",
        "全额退款，配送站已对骑手进行考核",
    ],
    "product_quality": [
        "全额退款并赠送新品，门店已整改原料管理",
        "品控主管上门致歉，客户接受处理方案",
        "退款并补偿，门店当日停业自查，结果已同步客户",
    ],
    "service_attitude": [
        "店长电话致歉，店员已接受培训，补偿优惠券",
        "客户接受道歉，门店增加高峰期人手",
    ],
    "price": ["差价已退回，活动规则已优化", "补发优惠券，客户满意"],
    "other": ["已处理完毕，客户无异议"],
}
ESCALATIONS = [
    "客户要求高额赔偿，超出客服权限",
    "涉及食品安全，需要主管跟进",
    "客户威胁曝光，升级处理",
]
