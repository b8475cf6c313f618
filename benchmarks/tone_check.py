"""Tone check latency (issue 3 point 10: < 20 ms per check, p95).

    python benchmarks/tone_check.py [--checks 3000] [--seed 7]

- Cold start, in fresh processes: importing the tone check and ``warm_up()`` (jieba's dictionary
  from its cache file, the rules compiled), then the first check after it.
- Warm: realistic drafts of 10–300 characters — agent replies assembled from polite sentences,
  about one in four with a problem phrase (variants included), so the context checks and jieba
  run as often as they would at a desk — with no workspace list, a typical one (60 entries) and a
  large one (3,000 sensitive words). Each workspace list is checked once before timing, as a web
  process would have it compiled after its first use.

Prints p50/p95/p99/max per case; writes nothing (the lead copies the figures to
docs/benchmarks.md).
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, machine  # noqa: E402

POLITE = [
    "亲，您好，很高兴为您服务。",
    "您的订单已经发货了，请注意查收。",
    "非常抱歉给您带来不便，我这就帮您联系仓库核实。",
    "这个型号目前缺货，预计下周补货，到货后第一时间通知您。",
    "退货运费由我们承担，您直接寄回就可以了。",
    "如果您方便的话，可以看一下说明书第3页，上面有详细的安装步骤。",
    "麻烦您提供一下订单号，我帮您查一下物流进度。",
    "感谢您的耐心等待，退款已经原路退回，预计1到3个工作日到账。",
    "这款茶叶的冲泡温度建议85度左右，第一泡可以快速出汤。",
    "我们无法保证明天一定送到，但会尽快为您安排发货。",
    "请不要把验证码告诉任何人，包括自称客服的人员。",
    "滚筒洗衣机的排水口在机身右下方，您可以先检查一下是否堵塞。",
    "关于您反映的问题，我们已经转交给质检部门处理，会在24小时内回复您。",
    "还有其他问题随时找我哦～😊",
]
PROBLEMS = [
    "爱买不买！",
    "愛 買 不 買啊",
    "你自己去看说明书吧。",
    "这不关我的事，你找快递去。",
    "我也没办法。",
    "你听不懂吗？说了多少遍了！",
    "保证明天到，不到全额赔偿。",
    "麻烦把验证码发给我。",
    "加我微信私聊吧。",
    "这他妈的快递又丢了。",
    "随便你吧。",
    "这单给您免单。",
]


def drafts(count: int, rng: random.Random) -> list[str]:
    out = []
    while len(out) < count:
        target = rng.randint(10, 300)
        parts: list[str] = []
        while sum(map(len, parts)) < target:
            pool = PROBLEMS if rng.random() < 0.08 else POLITE
            parts.append(rng.choice(pool))
        text = "".join(parts)[:target]
        out.append(text)
    return out


def lexicons():
    from xiaonuo.nlp.tone import ToneLexicon

    typical = ToneLexicon(
        rude=tuple(f"工作区粗话{i}" for i in range(20)),
        forbidden_promises=("免单", "终身保修", "假一赔十", *(f"承诺{i}号" for i in range(17))),
        sensitive=tuple(f"竞品{i}号" for i in range(20)),
        allowed=("好评返现属于违规",),
    )
    rng = random.Random(3)
    large = ToneLexicon(
        sensitive=tuple(
            "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(rng.randint(2, 6)))
            for _ in range(3000)
        )
    )
    return {"no workspace list": None, "typical list (60)": typical, "3,000 sensitive words": large}


COLD = """
import os, time, sys
t0 = time.perf_counter()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaonuo.settings")
import django
django.setup()
t1 = time.perf_counter()
from xiaonuo.nlp import tone
tone.warm_up()
t2 = time.perf_counter()
tone.check_tone("亲，您好！您的订单已发货，你自己去看物流吧，我也没办法。")
t3 = time.perf_counter()
print(f"{(t2 - t1) * 1000:.1f} {(t3 - t2) * 1000:.2f}")
"""


def cold_start(runs: int = 5) -> tuple[list[float], list[float]]:
    warm_ups, firsts = [], []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", COLD], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
        warm_ups.append(float(out[0]))
        firsts.append(float(out[1]))
    return warm_ups, firsts


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checks", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaonuo.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    print(machine())
    warm_ups, firsts = cold_start()
    print(
        f"cold start (fresh process, {len(warm_ups)} runs): warm_up() median "
        f"{statistics.median(warm_ups):.0f} ms (max {max(warm_ups):.0f}); first check after it "
        f"median {statistics.median(firsts):.2f} ms (max {max(firsts):.2f})"
    )

    from xiaonuo.nlp.tone import check_tone, warm_up

    warm_up()
    rng = random.Random(options.seed)
    sample = drafts(options.checks, rng)
    flagged = sum(1 for d in sample if not check_tone(d).ok)
    print(
        f"{len(sample)} drafts, {min(map(len, sample))}–{max(map(len, sample))} characters "
        f"(mean {statistics.mean(map(len, sample)):.0f}), {flagged} with findings"
    )
    print(f"{'case':<24} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    for name, lexicon in lexicons().items():
        started = time.perf_counter()
        check_tone(sample[0], lexicon)  # the list's first use compiles it
        compile_ms = (time.perf_counter() - started) * 1000
        timings = []
        for draft in sample:
            started = time.perf_counter()
            check_tone(draft, lexicon)
            timings.append((time.perf_counter() - started) * 1000)
        print(
            f"{name:<24} {percentile(timings, 0.5):>7.2f} {percentile(timings, 0.95):>7.2f} "
            f"{percentile(timings, 0.99):>7.2f} {max(timings):>7.2f}"
            + (f"   (list compiled on first use: {compile_ms:.0f} ms)" if lexicon else "")
        )
    long_draft = "您好，您的订单已经发货，请注意查收。" * 280 + "爱买不买！"
    timings = []
    for _ in range(50):
        started = time.perf_counter()
        check_tone(long_draft)
        timings.append((time.perf_counter() - started) * 1000)
    print(
        f"{len(long_draft)}-character draft: p50 {percentile(timings, 0.5):.1f} ms, max {max(timings):.1f} ms"
    )


if __name__ == "__main__":
    main()
