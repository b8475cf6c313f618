"""The shared segmenter: extra words per call, never leaking between callers."""

import threading

from xiaonuo.nlp import segment


def test_it_cuts_chinese_into_words():
    assert segment.cut("滚筒洗衣机坏了") == ["滚筒", "洗衣机", "坏", "了"]


def test_extra_words_are_kept_whole_for_that_call_only():
    assert "茶语小铺" not in segment.cut("我们比茶语小铺便宜")
    assert segment.cut("我们比茶语小铺便宜", words=["茶语小铺"]) == [
        "我们",
        "比",
        "茶语小铺",
        "便宜",
    ]
    # The next caller, without the words, sees the shared dictionary untouched.
    assert "茶语小铺" not in segment.cut("我们比茶语小铺便宜")


def test_tokens_carry_offsets_into_the_text():
    text = "平台独家 台独"
    tokens = segment.tokenize(text)
    assert [(t.text, t.start, t.end) for t in tokens] == [
        ("平台", 0, 2),
        ("独家", 2, 4),
        (" ", 4, 5),
        ("台独", 5, 7),
    ]
    assert all(text[t.start : t.end] == t.text for t in tokens)


def test_empty_text_has_no_words():
    assert segment.cut("") == []
    assert segment.tokenize("") == []


def test_workspaces_segmenting_at_once_each_get_their_own_words():
    # Two workspaces in two threads, each with its own product name; neither sees the other's.
    text = "茶语小铺和别家茶铺都有货"
    results: dict[str, list[list[str]]] = {"a": [], "b": []}

    def run(name: str, words: list[str]) -> None:
        for _ in range(200):
            results[name].append(segment.cut(text, words=words))

    threads = [
        threading.Thread(target=run, args=("a", ["茶语小铺"])),
        threading.Thread(target=run, args=("b", ["别家茶铺"])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all("茶语小铺" in words and "别家茶铺" not in words for words in results["a"])
    assert all("别家茶铺" in words and "茶语小铺" not in words for words in results["b"])
