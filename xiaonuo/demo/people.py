"""Believable Chinese customers: names, phones, cities and WeChat ids, from weighted lists.

Surname weights follow the 2020 census ranking (王 李 张 刘 陈 … cover about half of people);
given names are common two- and one-character names of people born 1985–2010.
"""

import random
import string

# (surname, share in ‰ of the population, rounded)
SURNAMES = [
    ("王", 73),
    ("李", 72),
    ("张", 69),
    ("刘", 54),
    ("陈", 46),
    ("杨", 32),
    ("黄", 25),
    ("赵", 23),
    ("吴", 21),
    ("周", 21),
    ("徐", 17),
    ("孙", 15),
    ("马", 15),
    ("朱", 14),
    ("胡", 13),
    ("郭", 12),
    ("何", 12),
    ("林", 11),
    ("高", 11),
    ("罗", 11),
    ("郑", 10),
    ("梁", 10),
    ("谢", 8),
    ("宋", 8),
    ("唐", 8),
    ("许", 7),
    ("韩", 7),
    ("冯", 7),
    ("邓", 7),
    ("曹", 7),
    ("彭", 6),
    ("曾", 6),
    ("肖", 6),
    ("田", 6),
    ("董", 5),
    ("袁", 5),
    ("潘", 5),
    ("于", 5),
    ("蒋", 5),
    ("蔡", 5),
    ("余", 5),
    ("杜", 4),
    ("叶", 4),
    ("程", 4),
    ("苏", 4),
    ("魏", 4),
    ("吕", 4),
    ("丁", 4),
    ("任", 4),
    ("沈", 4),
    ("姚", 3),
    ("卢", 3),
    ("姜", 3),
    ("崔", 3),
    ("钟", 3),
    ("谭", 3),
    ("陆", 3),
    ("汪", 3),
    ("范", 3),
    ("金", 3),
    ("石", 3),
    ("廖", 3),
    ("贾", 3),
    ("夏", 2),
    ("韦", 2),
    ("付", 2),
    ("方", 2),
    ("白", 2),
    ("邹", 2),
    ("孟", 2),
    ("熊", 2),
    ("秦", 2),
    ("欧阳", 1),
    ("上官", 1),
    ("司马", 1),
]
GIVEN_FEMALE = [
    ("欣怡", 9),
    ("梓涵", 8),
    ("诗涵", 8),
    ("子涵", 7),
    ("雨涵", 7),
    ("佳怡", 6),
    ("可馨", 5),
    ("思彤", 5),
    ("静", 8),
    ("婷", 7),
    ("敏", 6),
    ("丽", 5),
    ("芳", 5),
    ("雪", 4),
    ("晓燕", 4),
    ("美玲", 3),
    ("慧敏", 3),
    ("佳琪", 5),
    ("一诺", 6),
    ("若曦", 4),
    ("语桐", 4),
    ("雨欣", 5),
    ("婉清", 3),
    ("梦瑶", 4),
    ("嘉怡", 4),
    ("小雨", 3),
    ("琳", 4),
    ("璐", 3),
    ("悦", 4),
    ("晴", 4),
]
GIVEN_MALE = [
    ("浩然", 8),
    ("子轩", 8),
    ("宇轩", 7),
    ("浩宇", 7),
    ("俊杰", 6),
    ("梓豪", 5),
    ("博文", 5),
    ("明", 6),
    ("伟", 8),
    ("强", 6),
    ("磊", 6),
    ("军", 5),
    ("洋", 5),
    ("勇", 4),
    ("杰", 5),
    ("涛", 4),
    ("超", 4),
    ("鹏", 4),
    ("晨", 4),
    ("一鸣", 4),
    ("子墨", 5),
    ("宇航", 4),
    ("天佑", 3),
    ("嘉豪", 4),
    ("思远", 3),
    ("志强", 3),
    ("建华", 2),
    ("文博", 3),
    ("小龙", 2),
    ("凯", 4),
]
# (city, weight): stores are where the brand is; most members live near a store.
CITIES = [
    ("长沙", 22),
    ("深圳", 16),
    ("广州", 14),
    ("上海", 12),
    ("杭州", 10),
    ("成都", 9),
    ("武汉", 8),
    ("北京", 6),
    ("南京", 5),
    ("重庆", 5),
]
# Mainland mobile prefixes by carrier; 13x–19x.
MOBILE_PREFIXES = [
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "147",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "178",
    "182",
    "183",
    "187",
    "188",
    "198",
    "130",
    "131",
    "132",
    "155",
    "156",
    "166",
    "175",
    "176",
    "185",
    "186",
    "133",
    "153",
    "173",
    "177",
    "180",
    "181",
    "189",
    "191",
    "199",
]
EMAIL_DOMAINS = [
    ("qq.com", 50),
    ("163.com", 25),
    ("126.com", 8),
    ("gmail.com", 5),
    ("foxmail.com", 6),
    ("outlook.com", 4),
    ("sina.com", 2),
]
_OPENID_CHARS = string.ascii_letters + string.digits + "-_"
_PINYIN = {
    "王": "wang",
    "李": "li",
    "张": "zhang",
    "刘": "liu",
    "陈": "chen",
    "杨": "yang",
    "黄": "huang",
    "赵": "zhao",
    "吴": "wu",
    "周": "zhou",
}


class Weighted:
    """Fast repeated weighted choice (``random.choices`` with cumulative weights kept)."""

    def __init__(self, pairs: list[tuple[str, int]]):
        self.values = [v for v, _ in pairs]
        self.cum: list[float] = []
        total = 0.0
        for _, w in pairs:
            total += w
            self.cum.append(total)

    def pick(self, rng: random.Random) -> str:
        return rng.choices(self.values, cum_weights=self.cum)[0]


SURNAME = Weighted(SURNAMES)
FEMALE = Weighted(GIVEN_FEMALE)
MALE = Weighted(GIVEN_MALE)
CITY = Weighted(CITIES)
EMAIL_DOMAIN = Weighted(EMAIL_DOMAINS)


def person_name(rng: random.Random, gender: str) -> str:
    return SURNAME.pick(rng) + (FEMALE if gender == "female" else MALE).pick(rng)


def phone(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def openid(rng: random.Random, prefix: str = "oChyu") -> str:
    # Official-account openids are 28 characters starting with the account's own prefix.
    return prefix + "".join(rng.choices(_OPENID_CHARS, k=23))


def email(rng: random.Random, name: str, number: int) -> str:
    domain = EMAIL_DOMAIN.pick(rng)
    if domain in ("qq.com", "foxmail.com"):
        return f"{rng.randrange(10**7, 10**10)}@{domain}"
    return f"{_PINYIN.get(name[:1], 'user')}{number}@{domain}"
