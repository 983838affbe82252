"""The archive record, built from realistic Genesys payloads with the real redactor: no PII, no names."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from archiver.archive.record import (
    SCHEMA,
    ArchiveRecord,
    build_record,
    decode_record,
    encode_record,
    json_schema,
)
from archiver.errors import PermanentError, TranscriptError
from archiver.redact import REDACTOR_VERSION, Redactor
from tests.archive import payloads as P

REDACTOR = Redactor()
ARCHIVED_AT = "2026-05-14T11:00:00.000Z"


def build(
    conv: bytes, pages: list[bytes], archived_at: str = ARCHIVED_AT
) -> tuple[ArchiveRecord, bytes, str | None]:
    record, customer = build_record(
        conv,
        pages,
        archived_at=archived_at,
        redactor=REDACTOR,
        redactor_version=REDACTOR_VERSION,
    )
    data = encode_record(record)
    assert decode_record(data) == record  # every record validates strictly against the schema
    return record, data, customer


def test_standard_conversation_is_complete_ordered_and_redacted() -> None:
    record, data, customer = build(*P.standard())
    text = data.decode()
    assert record.schema == SCHEMA and record.conversation_id == P.CID and customer == P.CUSTOMER
    assert record.media_type == "message" and record.message_type == "webmessaging"
    assert record.ended and record.end_time == P.T0 + timedelta(seconds=600)
    assert record.start_time == P.T0
    assert [m.id for m in record.messages] == ["m1", "m2", "m3", "m4", "m5", "m6"]  # by timestamp
    assert record.message_count == 6 and record.unavailable_message_ids == []
    by_id = {m.id: m for m in record.messages}
    assert by_id["m1"].text == "Hi, my card is [REDACTED:CREDIT_CARD] and my SSN is [REDACTED:US_SSN]"
    assert by_id["m1"].participant_id == P.CUSTOMER and by_id["m1"].purpose == "customer"
    assert by_id["m2"].purpose == "workflow" and by_id["m2"].originating_entity == "Bot"
    assert by_id["m4"].purpose == "agent" and by_id["m4"].direction == "outbound"
    assert by_id["m3"].text == "call me at [REDACTED:PHONE] or [REDACTED:EMAIL]"
    att = by_id["m3"].attachments[0]
    assert (att.media_type, att.mime, att.content_size_bytes, att.sha256) == (
        "Image",
        "image/png",
        1234,
        "ab" * 32,
    )
    assert att.text == "scan of [REDACTED:CREDIT_CARD]"
    assert by_id["m5"].text is None and len(by_id["m5"].attachments) == 1  # attachment-only
    # No PII, no names, addresses, file names, urls or coordinates anywhere in the archive.
    for value in [P.CARD, P.SSN, P.PHONE, P.EMAIL, "4111", "555-0132", *P.PLANTED]:
        assert value not in text, value
    counts = record.redaction.counts
    assert record.redaction.engine == REDACTOR_VERSION
    assert (
        counts["CREDIT_CARD"] >= 6 and counts["EMAIL"] >= 5 and counts["US_SSN"] >= 3 and counts["PHONE"] >= 4
    )
    agent = next(p for p in record.participants if p.purpose == "agent")
    assert agent.user_id == P.USER and agent.queue_id == P.QUEUE and agent.disconnect_type == "client"
    assert {p.purpose for p in record.participants} == {"customer", "workflow", "acd", "agent"}


def test_rich_content_is_normalized_and_redacted() -> None:
    record, data, _ = build(*P.standard())
    m6 = next(m for m in record.messages if m.id == "m6")
    kinds = [c.content_type for c in m6.content]
    assert kinds == [
        "QuickReply",
        "ButtonResponse",
        "Card",
        "Carousel",
        "Text",
        "QuickReplyV2",
        "Location",
        "Notification",
        "Story",
        "Reactions",
        "Push",
        "ListPicker",
        "DatePicker",
    ]
    c = {x.content_type: x for x in m6.content}
    assert (
        c["QuickReply"].text == "mail [REDACTED:EMAIL]"
        and c["QuickReply"].payload == "[REDACTED:CREDIT_CARD]"
    )
    assert c["ButtonResponse"].text == "call [REDACTED:PHONE]" and c["ButtonResponse"].ref_id == "m-1"
    assert c["Card"].title == "Card for [REDACTED:EMAIL]" and c["Card"].text == "Call [REDACTED:PHONE]"
    assert [a.text for a in c["Card"].items] == ["open", "SSN [REDACTED:US_SSN]"]
    assert len(c["Carousel"].items) == 2 and c["Carousel"].items[0].title == "Card for [REDACTED:EMAIL]"
    assert c["Text"].text == "body [REDACTED:CREDIT_CARD]"
    assert c["QuickReplyV2"].items[0].payload == "[REDACTED:US_SSN]"
    assert c["Location"].text == "here [REDACTED:PHONE]"
    assert (
        c["Notification"].title == "hi [REDACTED:EMAIL]"
        and c["Notification"].text == "card [REDACTED:CREDIT_CARD]"
    )
    assert c["Story"].ref_id == "m-0" and c["Reactions"].items[0].count == 2
    assert c["Push"] == type(c["Push"])(content_type="Push")  # device tokens never copied
    assert c["ListPicker"].items[0].items[0].title == "[REDACTED:EMAIL]"
    assert c["DatePicker"].title == "when [REDACTED:PHONE]"
    assert "deviceToken" not in data.decode() and "latitude" not in data.decode()


def test_record_is_deterministic_except_archived_at() -> None:
    conv, pages = P.standard()
    _, a, _ = build(conv, pages)
    _, b, _ = build(conv, pages)
    assert a == b
    _, c, _ = build(conv, pages, archived_at="2027-01-01T00:00:00Z")
    da, dc = json.loads(a), json.loads(c)
    assert da.pop("archivedAt") != dc.pop("archivedAt")
    assert da == dc
    assert list(json.loads(a)["redaction"]["counts"]) == sorted(json.loads(a)["redaction"]["counts"])


def test_schema_validation_is_strict() -> None:
    _, data, _ = build(*P.standard())
    doc = json.loads(data)
    for mutate, fragment in [
        (lambda d: d.update(extra=1), "unknown field `extra`"),
        (lambda d: d.pop("redaction"), "missing required field `redaction`"),
        (lambda d: d.update(messageCount="6"), "Expected `int`"),
        (lambda d: d["messages"][0].update(name="x"), "unknown field `name`"),
        (lambda d: d.update(schema="other/v9"), "schema"),
    ]:
        bad = json.loads(data)
        mutate(bad)
        with pytest.raises(msgspec.ValidationError, match=fragment):
            decode_record(json.dumps(bad).encode())
    assert doc["schema"] == SCHEMA and "properties" in json.dumps(json_schema())


def test_not_ended_when_a_participant_is_still_connected() -> None:
    conv = P.conversation(
        [P.participant(P.CUSTOMER, "customer", ["m1"], end=None), P.participant(P.AGENT, "agent", [])]
    )
    record, _, _ = build(conv, [P.listing([P.message("m1", 10, "hello")])])
    assert not record.ended and record.end_time == P.T0 + timedelta(seconds=600)


def test_empty_conversation_and_empty_messages() -> None:
    conv = P.conversation([P.participant(P.CUSTOMER, "customer", [])])
    record, _, customer = build(conv, [])
    assert record.messages == [] and record.message_count == 0 and record.ended and customer == P.CUSTOMER
    record, _, _ = build(conv, [P.listing([])])
    assert record.messages == []
    record, _, _ = build(conv, [P.listing([P.message("e1", 5, ""), P.message("e2", 6, None)])])
    assert [m.text for m in record.messages] == ["", None]
    record, _, customer = build(b'{"id": "x"}', [b"{}"])  # nothing but an id
    assert record.participants == [] and record.messages == [] and customer is None and not record.ended


def test_pages_are_merged_deduplicated_and_missing_ids_reported() -> None:
    conv = P.conversation([P.participant(P.CUSTOMER, "customer", ["a", "b", "c", "gone"])])
    page1 = P.listing([P.message("a", 1, "one"), P.message("b", 2, "two")])
    page2 = P.listing([P.message("b", 2, "two"), P.message("c", 3, "three")])
    record, _, _ = build(conv, [page1, page2])
    assert [m.id for m in record.messages] == ["a", "b", "c"] and record.unavailable_message_ids == ["gone"]


def test_inbound_message_without_participant_link_is_the_customers() -> None:
    conv = P.conversation([P.participant(P.CUSTOMER, "customer", []), P.participant(P.AGENT, "agent", [])])
    record, _, _ = build(conv, [P.listing([P.message("x", 1, "hi"), P.message("y", 2, "yo", inbound=False)])])
    assert record.messages[0].participant_id == P.CUSTOMER
    assert (record.messages[1].participant_id, record.messages[1].purpose) == (P.AGENT, "agent")  # createdBy


def test_outbound_message_listed_on_the_customer_is_attributed_to_its_sender() -> None:
    # Genesys lists both directions on the customer's communication; the sender is the createdBy user.
    conv = P.conversation(
        [P.participant(P.CUSTOMER, "customer", ["x", "y"]), P.participant(P.AGENT, "agent", [])]
    )
    record, _, _ = build(conv, [P.listing([P.message("x", 1, "hi"), P.message("y", 2, "yo", inbound=False)])])
    assert [(m.participant_id, m.purpose) for m in record.messages] == [
        (P.CUSTOMER, "customer"),
        (P.AGENT, "agent"),
    ]
    bot = P.message("z", 3, "bot says", inbound=False)
    bot.pop("createdBy", None)
    record, _, _ = build(conv, [P.listing([bot])])
    assert (record.messages[0].participant_id, record.messages[0].purpose) == (None, None)  # never "customer"


def test_legacy_text_body_is_read_when_no_normalized_message() -> None:
    entity = {
        "id": "old",
        "timestamp": P.at(1),
        "direction": "inbound",
        "textBody": f"card {P.CARD}",
        "media": [],
    }
    record, _, _ = build(
        P.conversation([P.participant(P.CUSTOMER, "customer", ["old"])]), [P.listing([entity])]
    )
    assert record.messages[0].text == "card [REDACTED:CREDIT_CARD]"


def test_five_thousand_messages_over_five_pages() -> None:
    ids = [f"m{i:05d}" for i in range(5000)]
    conv = P.conversation(
        [
            P.participant(P.CUSTOMER, "customer", ids[::2], end=6000),
            P.participant(P.AGENT, "agent", ids[1::2], end=6000),
        ]
    )
    pages = [
        P.listing(
            [
                P.message(
                    mid, int(mid[1:]), f"msg {mid} mail u{mid}@example.com", inbound=int(mid[1:]) % 2 == 0
                )
                for mid in reversed(ids[k : k + 1000])
            ]
        )
        for k in range(0, 5000, 1000)
    ]
    record, data, _ = build(conv, list(reversed(pages)))
    assert record.message_count == 5000 and [m.id for m in record.messages] == ids
    assert record.redaction.counts == {"EMAIL": 5000} and "@example.com" not in data.decode()
    assert {m.purpose for m in record.messages} == {"customer", "agent"}


def test_one_megabyte_message() -> None:
    big = ("lorem ipsum dolor sit amet " * 40_000)[:1_000_000] + f" card {P.CARD} end"
    conv = P.conversation([P.participant(P.CUSTOMER, "customer", ["big"])])
    record, data, _ = build(conv, [P.listing([P.message("big", 1, big)])])
    text = record.messages[0].text
    assert text is not None and text.endswith(" card [REDACTED:CREDIT_CARD] end") and len(text) > 1_000_000
    assert P.CARD not in data.decode()


def test_emoji_cjk_rtl_text_is_preserved_exactly_and_pii_inside_redacted() -> None:
    texts = [
        "👋🏽 héllo — ça va? 👨‍👩‍👧",
        "我的电话是 415-555-0132，谢谢",
        "رقم بطاقتي 4111 1111 1111 1111 شكرا",
        "שלום עולם ‏(RTL)‏",
    ]
    conv = P.conversation([P.participant(P.CUSTOMER, "customer", ["u0", "u1", "u2", "u3"])])
    record, data, _ = build(conv, [P.listing([P.message(f"u{i}", i, t) for i, t in enumerate(texts)])])
    got = [m.text for m in record.messages]
    assert got[0] == texts[0] and got[3] == texts[3]
    assert (
        got[1] == "我的电话是 [REDACTED:PHONE]，谢谢" and got[2] == "رقم بطاقتي [REDACTED:CREDIT_CARD] شكرا"
    )
    assert json.loads(data)["messages"][0]["text"] == texts[0]


def test_obfuscated_pii_is_redacted_in_the_archive() -> None:
    zw = "4111\u200b1111\u200b1111\u200b1111"
    fullwidth = "４１１１ １１１１ １１１１ １１１１"
    conv = P.conversation([P.participant(P.CUSTOMER, "customer", ["z", "f"])])
    record, data, _ = build(
        conv, [P.listing([P.message("z", 1, f"card {zw}"), P.message("f", 2, f"card {fullwidth}")])]
    )
    assert [m.text for m in record.messages] == ["card [REDACTED:CREDIT_CARD]"] * 2
    assert "１１１１" not in data.decode() and "1111\u200b" not in data.decode()


def test_lone_surrogates_and_invalid_utf8_are_replaced_and_counted() -> None:
    conv = P.conversation([P.participant(P.CUSTOMER, "customer", ["s1", "s2", "s3"])])
    page = P.listing([P.message("s1", 1, "LONE"), P.message("s2", 2, "BAD"), P.message("s3", 3, "PAIR")])
    page = page.replace(b"LONE", b"a\\ud800b \\udc00 c\\\\ud800").replace(b"BAD", b"x\xff\xfey \xed\xa0\x80z")
    page = page.replace(b"PAIR", b"\\ud83d\\ude00 ok")
    record, data, _ = build(conv, [page])
    texts = [m.text for m in record.messages]
    assert texts[0] == "a\ufffdb \ufffd c\\ud800"  # an escaped backslash is text, not a surrogate
    assert texts[1] is not None and texts[1].startswith("x\ufffd") and texts[1].endswith("z")
    assert texts[2] == "😀 ok"
    assert record.text_replacements == 2 + texts[1].count("\ufffd")
    data.decode("utf-8")  # the archive is valid UTF-8 JSON
    json.loads(data)


def test_invalid_payloads_are_permanent_transcript_errors() -> None:
    conv, pages = P.standard()
    cases = [
        (b"not json", pages, "message conversation"),
        (b'{"participants": []}', pages, "missing required field `id`"),
        (b'{"id": 5}', pages, "Expected `str`"),
        (conv, [b'{"entities": {"id": "x"}}'], "message page 0"),
        (conv, [b'{"entities": [{"id": "x", "timestamp": "yesterday"}]}'], "datetime"),
        (
            conv,
            [b'{"entities": [{"id": "x", "normalizedMessage": {"content": [{"attachment": "x"}]}}]}'],
            "entities[0].normalizedMessage.content[0].attachment",
        ),
        (conv, [b"[1, 2"], "message page 0"),
    ]
    for conv_raw, pages_raw, fragment in cases:
        with pytest.raises(TranscriptError, match=__import__("re").escape(fragment)) as info:
            build(conv_raw, pages_raw)
        assert isinstance(info.value, PermanentError)
    with pytest.raises(TranscriptError, match="archived_at"):
        build(conv, pages, archived_at="last tuesday")


def test_unknown_fields_and_enum_values_are_tolerated() -> None:
    conv = json.loads(P.conversation([P.participant(P.CUSTOMER, "customer", ["n"], futureField={"a": 1})]))
    conv["participants"][0]["state"] = "brand-new-state"
    entity = P.message("n", 1, "hi", content=[{"contentType": "Hologram", "hologram": {"x": 1}}])
    entity["normalizedMessage"]["type"] = "Hologram"
    record, _, _ = build(json.dumps(conv).encode(), [P.listing([entity])])
    assert record.messages[0].type == "Hologram" and record.messages[0].content[0].content_type == "Hologram"


def test_archived_at_accepts_datetime_and_is_utc() -> None:
    conv, pages = P.standard()
    record, _ = build_record(
        conv,
        pages,
        archived_at=datetime(2026, 5, 14, 13, 0, tzinfo=UTC).astimezone(),
        redactor=REDACTOR,
        redactor_version=REDACTOR_VERSION,
    )
    assert record.archived_at == datetime(2026, 5, 14, 13, 0, tzinfo=UTC) and record.archived_at.tzinfo == UTC
