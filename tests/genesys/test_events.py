"""Frame classification and end detection (pure functions; the socket paths are in test_listener.py)."""

from __future__ import annotations

import msgspec

from archiver.genesys.events import EndDetector, Kind, parse_frame, queue_topic

Q = "6a1b0000-0000-4000-8000-0000000000e3"


def _event(cid: str, states: list[str], kind: str = "webmessaging") -> msgspec.Raw:
    parts = [
        {"id": f"p{i}", "state": s, "type": kind, "purpose": "customer" if i == 0 else "agent"}
        for i, s in enumerate(states)
    ]
    if states and all(s in {"disconnected", "terminated"} for s in states):
        parts[0]["endTime"] = "2026-05-14T10:02:11.123Z"
    return msgspec.Raw(msgspec.json.encode({"id": cid, "participants": parts}))


def test_frame_kinds() -> None:
    hb = '{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}'
    assert parse_frame(hb).kind is Kind.HEARTBEAT
    assert parse_frame('{"topicName":"channel.metadata","eventBody":{"message":"pong"}}').kind is Kind.PONG
    assert parse_frame('{"message":"pong"}').kind is Kind.PONG
    closing = '{"topicName":"v2.system.socket_closing","eventBody":{"message":"bye"}}'
    assert parse_frame(closing).kind is Kind.SOCKET_CLOSING
    assert parse_frame('{"topicName":"v2.system.token_revoked.x","eventBody":{}}').kind is Kind.SYSTEM
    ev = parse_frame(
        '{"topicName":"' + queue_topic(Q) + '","version":"2","eventBody":{"id":"c"},"metadata":{}}'
    )
    assert ev.kind is Kind.QUEUE_EVENT and ev.topic == queue_topic(Q)
    assert parse_frame('{"topicName":"v2.users.u.presence","eventBody":{}}').kind is Kind.UNKNOWN
    for bad in ("", "nope", "[]", "{}", '{"topicName":1}', '{"message":"hello"}', b"\xff\xfe"):
        assert parse_frame(bad).kind is Kind.BAD


def test_ended_only_when_all_participants_are_gone() -> None:
    d = EndDetector()
    topic = queue_topic(Q)
    assert d.feed(topic, _event("c1", ["connected", "connected"])) is None
    assert d.feed(topic, _event("c1", ["disconnected", "connected"])) is None
    ended = d.feed(topic, _event("c1", ["disconnected", "terminated"]))
    assert ended is not None and ended.conversation_id == "c1" and ended.queue_id == Q
    assert ended.end_time is not None and ended.end_time.year == 2026
    assert d.feed(topic, _event("c1", ["disconnected", "disconnected"])) is None  # already emitted
    assert d.duplicates == 1
    assert d.feed(topic, _event("c2", [])) is None


def test_other_messaging_types_are_ignored() -> None:
    d = EndDetector()
    for kind in ("open", "sms", "whatsapp", "facebook"):
        assert d.feed(queue_topic(Q), _event(f"c-{kind}", ["disconnected"], kind)) is None
    assert d.other_media == 4


def test_memory_is_bounded_and_forget_allows_a_retry() -> None:
    d = EndDetector(capacity=3)
    topic = queue_topic(Q)
    for i in range(5):
        assert d.feed(topic, _event(f"c{i}", ["disconnected"])) is not None
    assert d.feed(topic, _event("c0", ["disconnected"])) is not None  # evicted long ago: emitted again
    assert d.feed(topic, _event("c4", ["disconnected"])) is None
    d.forget("c4")
    assert d.feed(topic, _event("c4", ["disconnected"])) is not None
