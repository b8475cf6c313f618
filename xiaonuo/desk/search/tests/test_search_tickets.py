"""Message search (``desk.search.selectors.search_tickets``): Chinese words, numbers inside text,
any typed text, tenancy, paging, and the index following the messages — through the desk's own
services, on the real database (SQLite and PostgreSQL)."""

import pytest
from django.db import connection

from xiaonuo.accounts.services import Actor
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.search import services as search_services
from xiaonuo.desk.search.models import IndexedMessage
from xiaonuo.desk.search.selectors import search_tickets
from xiaonuo.testing import make_channel, receive

pytestmark = pytest.mark.django_db


def indexed() -> None:
    """The catch-up job has run (the desk does not announce new messages yet)."""
    search_services.catch_up_index()


def hit_tickets(workspace, query, **kwargs) -> list[int]:
    return [hit.ticket_id for hit in search_tickets(workspace=workspace, query=query, **kwargs)]


def test_a_chinese_query_finds_the_ticket_and_marks_the_words(cast):
    # Given a customer whose drink has not arrived, and another about something else
    late = receive(workspace=cast.shop, text="我下午点的杨枝甘露到现在还没送到，怎么回事？")
    receive(workspace=cast.shop, text="芝士莓莓太甜了，下次能少糖吗")
    indexed()

    # When an agent searches with and without a space between the words
    spaced = search_tickets(workspace=cast.shop, query="杨枝甘露 没送到")
    unspaced = search_tickets(workspace=cast.shop, query="杨枝甘露没送到")

    # Then both find that ticket, at that message, with the words marked
    assert [h.ticket_id for h in spaced] == [late.ticket.pk]
    assert [h.ticket_id for h in unspaced] == [late.ticket.pk]
    hit = spaced[0]
    assert hit.message_id == late.message.pk
    assert hit.matched_at == late.message.created_at
    assert "<mark>杨枝甘露</mark>" in hit.snippet and "<mark>没送到</mark>" in hit.snippet


def test_words_are_found_whatever_jieba_made_of_the_text_around_them(cast):
    # jieba reads "五一广场店点的" as 五一广场 / 店点 / 的: a word index would miss 店 here.
    ticket = receive(workspace=cast.shop, text="五一广场店点的奶茶洒了一半").ticket
    indexed()

    assert hit_tickets(cast.shop, "五一广场店") == [ticket.pk]
    assert hit_tickets(cast.shop, "店") == [ticket.pk]
    assert hit_tickets(cast.shop, "广场店 洒了") == [ticket.pk]


def test_every_word_must_be_there(cast):
    receive(workspace=cast.shop, text="杨枝甘露很好喝")
    indexed()

    assert hit_tickets(cast.shop, "杨枝甘露 退款") == []


def test_order_and_phone_numbers_inside_text_are_found_whole_or_by_their_beginning(cast):
    ticket = receive(
        workspace=cast.shop, text="订单号O20240315008，电话13812345678，麻烦尽快处理"
    ).ticket
    other = receive(workspace=cast.shop, text="电话13900001111，订单号O20240316001").ticket
    indexed()

    assert hit_tickets(cast.shop, "O20240315008") == [ticket.pk]
    assert hit_tickets(cast.shop, "o20240315008") == [ticket.pk]  # any case
    assert hit_tickets(cast.shop, "13812345678") == [ticket.pk]
    assert hit_tickets(cast.shop, "1381234") == [ticket.pk]  # a pasted beginning
    assert hit_tickets(cast.shop, "１３８１２３４５６７８") == [ticket.pk]  # full-width digits
    assert hit_tickets(cast.shop, "订单号 O2024031") == [other.pk, ticket.pk]
    assert hit_tickets(cast.shop, "12345678") == []  # the middle of a number is not a word


def test_mixed_chinese_and_english(cast):
    ticket = receive(workspace=cast.shop, text="小程序一直显示 Network Error，付不了款").ticket
    indexed()

    assert hit_tickets(cast.shop, "network error 付不了") == [ticket.pk]
    assert hit_tickets(cast.shop, "NETWORK") == [ticket.pk]
    assert hit_tickets(cast.shop, "netw") == [ticket.pk]  # a beginning, from three letters


def test_a_ticket_is_listed_once_at_its_newest_matching_message_newest_first(cast):
    # Given a refund conversation (question, reply, note) and a newer ticket about a refund
    first = receive(workspace=cast.shop, text="我要退款，饮料洒了")
    reply = desk_services.reply_to_ticket(
        workspace=cast.shop,
        ticket_id=first.ticket.pk,
        text="非常抱歉，已为您申请退款，预计1-3个工作日原路退回",
        actor=Actor(user=cast.agent),
    )
    note = desk_services.add_note(
        workspace=cast.shop,
        ticket_id=first.ticket.pk,
        text="退款已在后台提交",
        actor=Actor(user=cast.agent),
    )
    second = receive(workspace=cast.shop, text="退款什么时候到账？")
    indexed()

    hits = search_tickets(workspace=cast.shop, query="退款")

    assert [(h.ticket_id, h.message_id) for h in hits] == [
        (second.ticket.pk, second.message.pk),
        (first.ticket.pk, note.pk),
    ]
    assert hits[1].message_kind == "note"
    assert reply.pk < note.pk


def test_pages_follow_on_without_repeating_a_ticket(cast):
    # Given five tickets about a refund; the oldest is mentioned again last
    tickets = [
        receive(workspace=cast.shop, text=f"第{i}杯要退款", identities={"phone": f"1380000000{i}"})
        for i in range(5)
    ]
    indexed()
    pages = []
    before = None
    while True:
        page = search_tickets(workspace=cast.shop, query="退款", limit=2, before=before)
        if not page:
            break
        pages.append([h.ticket_id for h in page])
        before = page[-1].message_id

    assert pages == [
        [tickets[4].ticket.pk, tickets[3].ticket.pk],
        [tickets[2].ticket.pk, tickets[1].ticket.pk],
        [tickets[0].ticket.pk],
    ]


def test_a_later_page_skips_a_ticket_already_shown_for_a_newer_message(cast):
    widget = make_channel(workspace=cast.shop)
    one, two = {"phone": "13800000001"}, {"phone": "13800000002"}
    old = receive(workspace=cast.shop, channel=widget, text="退款申请", identities=one)
    middle = receive(workspace=cast.shop, channel=widget, text="想退款", identities=two)
    again = receive(workspace=cast.shop, channel=widget, text="退款还没到", identities=one)
    assert again.ticket.pk == old.ticket.pk
    indexed()

    first = search_tickets(workspace=cast.shop, query="退款", limit=1)
    second = search_tickets(workspace=cast.shop, query="退款", limit=1, before=first[0].message_id)
    third = search_tickets(workspace=cast.shop, query="退款", limit=1, before=second[0].message_id)

    assert [h.ticket_id for h in first + second] == [old.ticket.pk, middle.ticket.pk]
    assert third == []


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"',
        "'",
        '"退款',
        "退款'",
        "AND",
        "OR NOT",
        "退款 AND OR",
        "NEAR(退款 到账, 2)",
        "*",
        "退*",
        "terms:退款",
        "ws:w1",
        "^退款",
        "-退款",
        "(((",
        ")",
        "\\",
        "%_",
        ":*",
        "a & b | !c",
        "'; DROP TABLE desk_message; --",
        "退款\x00",
        "😀🍵",
        "{terms}: 退款",
        "退款" * 3000,
    ],
)
def test_any_typed_text_is_a_query_and_never_an_error(cast, query):
    receive(workspace=cast.shop, text="我要退款 AND 还有 OR 问题")
    indexed()

    hits = search_tickets(workspace=cast.shop, query=query)

    assert isinstance(hits, list)
    assert all(h.ticket_id for h in hits)


def test_a_query_without_letters_or_digits_finds_nothing_and_asks_the_database_nothing(
    cast, django_assert_num_queries
):
    receive(workspace=cast.shop, text="？？？！！！")
    indexed()

    with django_assert_num_queries(0):
        assert search_tickets(workspace=cast.shop, query="？！。") == []


def test_a_page_costs_two_queries_however_many_hits(cast, django_assert_num_queries):
    for i in range(30):
        receive(workspace=cast.shop, text=f"第{i}单要退款")
    indexed()

    with django_assert_num_queries(2):  # the matching ids, then their messages
        hits = search_tickets(workspace=cast.shop, query="退款", limit=20)

    assert len(hits) == 20


def test_the_snippet_shows_html_as_text(cast):
    receive(workspace=cast.shop, text='<script>alert("x")</script><b>退款</b> 请处理')
    indexed()

    (hit,) = search_tickets(workspace=cast.shop, query="退款")

    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet
    assert "&lt;b&gt;<mark>退款</mark>&lt;/b&gt;" in hit.snippet


def test_a_long_message_is_cut_around_the_match(cast):
    receive(workspace=cast.shop, text="很长的前言。" * 50 + "关键是退款没到账" + "。后记" * 50)
    indexed()

    (hit,) = search_tickets(workspace=cast.shop, query="退款")

    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert "<mark>退款</mark>" in hit.snippet
    assert len(hit.snippet) < 150


def test_another_workspace_never_sees_this_workspaces_text(cast):
    # Given the same words in both shops
    ours = receive(workspace=cast.shop, text="杨枝甘露没送到，订单号O77").ticket
    theirs = receive(workspace=cast.other_shop, text="杨枝甘露没送到，订单号O77").ticket
    only_ours = receive(workspace=cast.shop, text="茶语独家的芋泥波波").ticket
    indexed()

    assert hit_tickets(cast.shop, "杨枝甘露") == [ours.pk]
    assert hit_tickets(cast.other_shop, "杨枝甘露") == [theirs.pk]
    assert hit_tickets(cast.other_shop, "O77") == [theirs.pk]
    assert hit_tickets(cast.other_shop, "芋泥波波") == []
    assert only_ours.pk not in hit_tickets(cast.other_shop, "芋泥")


def fts_rows_with(term: str) -> int:
    """Entries of the engine's own full-text index holding ``term`` (not through our code)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM desk_search_fts WHERE desk_search_fts MATCH %s",
                [f'terms : "{term}"'],
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM desk_search_indexedmessage WHERE tsv @@ %s::tsquery",
                [f"'{term}'"],
            )
        return cursor.fetchone()[0]


def test_an_erased_customers_text_leaves_the_index(cast):
    from xiaonuo.customers import services as customers_services

    # Given a customer's conversation (with a reply quoting them), indexed
    widget = make_channel(workspace=cast.shop)
    received = receive(
        workspace=cast.shop,
        channel=widget,
        text="我叫周小雨，住在梅溪湖，电话13712340000",
        identities={"phone": "13712340000"},
    )
    desk_services.reply_to_ticket(
        workspace=cast.shop,
        ticket_id=received.ticket.pk,
        text="周小雨您好，梅溪湖的地址已记下",
        actor=Actor(user=cast.agent),
    )
    kept = receive(workspace=cast.shop, text="梅溪湖店几点关门").ticket
    indexed()
    assert fts_rows_with("13712340000") == 1

    # When the person is erased
    customers_services.erase_customer(
        workspace=cast.shop, customer_id=received.ticket.customer_id, actor=Actor(user=cast.owner)
    )

    # Then nothing of their text can be found, through search or in the engine's index
    assert hit_tickets(cast.shop, "周小雨") == []
    assert hit_tickets(cast.shop, "13712340000") == []
    assert hit_tickets(cast.shop, "梅溪湖") == [kept.pk]
    assert fts_rows_with("13712340000") == 0
    assert fts_rows_with("小雨") == 0
    assert not IndexedMessage.objects.filter(terms__contains="小雨").exists()
    # … and the catch-up job does not bring it back
    indexed()
    assert hit_tickets(cast.shop, "周小雨") == []


def test_merged_customers_and_tickets_are_found_under_the_survivor(cast):
    from xiaonuo.customers import services as customers_services

    # Given one person who wrote twice, as two customers, about one problem
    widget = make_channel(workspace=cast.shop)
    a = receive(
        workspace=cast.shop,
        channel=widget,
        text="奶茶里有异物",
        identities={"phone": "13600000001"},
    )
    b = receive(
        workspace=cast.shop, channel=widget, text="异物的照片发你们了", identities={"openid": "oXY"}
    )
    indexed()

    # When the customers and then the tickets are merged
    customers_services.merge_customers(
        workspace=cast.shop,
        survivor_id=a.ticket.customer_id,
        merged_id=b.ticket.customer_id,
        actor=Actor(user=cast.owner),
    )
    desk_services.merge_tickets(
        workspace=cast.shop,
        survivor_id=a.ticket.pk,
        merged_id=b.ticket.pk,
        actor=Actor(user=cast.owner),
    )

    # Then the search lists the surviving ticket once, at the newest message
    hits = search_tickets(workspace=cast.shop, query="异物")
    assert [(h.ticket_id, h.message_id) for h in hits] == [(a.ticket.pk, b.message.pk)]


def test_the_catch_up_job_back_fills_once_and_then_only_new_messages(cast):
    for i in range(7):
        receive(workspace=cast.shop, text=f"第{i}个问题")

    assert search_services.catch_up_index(batch=3) == 7
    assert search_services.catch_up_index(batch=3) == 0
    receive(workspace=cast.shop, text="新的问题：退款")
    assert search_services.catch_up_index(batch=3) == 1
    assert IndexedMessage.objects.count() == 8


def test_indexing_a_message_twice_or_one_that_is_gone_is_harmless(cast):
    received = receive(workspace=cast.shop, text="退款")

    assert search_services.index_messages(message_ids=[received.message.pk]) == 1
    assert search_services.index_messages(message_ids=[received.message.pk]) == 0
    assert search_services.index_messages(message_ids=[987654321]) == 0
    assert hit_tickets(cast.shop, "退款") == [received.ticket.pk]


def test_the_reaction_to_a_new_message_indexes_it_at_once(cast):
    received = receive(workspace=cast.shop, text="杨枝甘露少了一杯")

    search_services.index_new_message(workspace_id=cast.shop.pk, message_id=received.message.pk)

    assert hit_tickets(cast.shop, "少了一杯") == [received.ticket.pk]


def test_a_reset_index_is_rebuilt_by_the_next_catch_up(cast):
    received = receive(workspace=cast.shop, text="杨枝甘露少了一杯")
    indexed()

    search_services.reset_index()
    assert hit_tickets(cast.shop, "杨枝甘露") == []
    indexed()

    assert hit_tickets(cast.shop, "杨枝甘露") == [received.ticket.pk]


def test_a_word_must_occur_as_written_not_only_as_its_pieces(cast):
    # "订单号" is indexed as 订单 + 单号; here they are apart and the word never occurs
    apart = receive(workspace=cast.shop, text="订单还没到，单号是多少？").ticket
    whole = receive(workspace=cast.shop, text="订单号发你了").ticket
    indexed()

    assert hit_tickets(cast.shop, "订单号") == [whole.pk]
    assert apart.pk in hit_tickets(cast.shop, "订单 单号")


def test_the_periodic_job_indexes_and_skips_while_another_run_holds_the_lock(cast):
    from huey.contrib.djhuey import HUEY
    from huey.exceptions import TaskLockedException

    from xiaonuo.desk.search import tasks as search_tasks

    received = receive(workspace=cast.shop, text="杨枝甘露少冰")
    with HUEY.lock_task("desk-search-catch-up"), pytest.raises(TaskLockedException):
        search_tasks.catch_up_index.call_local()
    assert hit_tickets(cast.shop, "少冰") == []

    assert search_tasks.catch_up_index.call_local() == 1
    assert hit_tickets(cast.shop, "少冰") == [received.ticket.pk]
