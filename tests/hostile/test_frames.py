"""Hostile WebSocket frames down the simulator's real socket into the real NotificationListener.

Exact outcomes: every malformed / wrongly typed / incomplete frame is one BadEvent; a well-formed frame on a
topic we never subscribed to is one BadEvent and one unknown topic; nothing disconnects the socket (no
reconnect, no gap); duplicates are deduplicated; and every valid ended web messaging conversation — sent
before, during and after the garbage — is emitted exactly once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from typing import Any

import pytest

from archiver.genesys import GenesysClient, NotificationListener
from archiver.sim import Simulator
from archiver.sim import render as sim_render
from tests.support import Recorder, eventually

from .conftest import settings_for

MB = 1024 * 1024
# Customer text inside hostile frames: it may be counted and logged by kind, never echoed into a log line.
SECRET_TEXT = "my card 4111 1111 1111 1111 and dana.levi@example.com"


def _topic(sim: Simulator) -> str:
    return f"v2.routing.queues.{sim.queue_ids[0]}.conversations.messages"


def _env(topic: Any, body: Any = None, **extra: Any) -> str:
    doc: dict[str, Any] = {"topicName": topic, "version": "2", **extra}
    if body is not None:
        doc["eventBody"] = body
    return json.dumps(doc)


def _ended_participant(**over: Any) -> dict[str, Any]:
    return {"id": "p1", "purpose": "customer", "state": "disconnected", "type": "webmessaging", **over}


async def _listen(sim: Simulator, client: GenesysClient, recorder: Recorder) -> NotificationListener:
    return await recorder.start(client, settings_for(sim))


async def _send(sim: Simulator, *frames: str) -> None:
    for frame in frames:
        sent = await sim.faults.send_raw(frame)
        assert sent == 1, "the listener's socket must be open to receive the frame"


def _once_each(recorder: Recorder, expected: list[str]) -> None:
    counts = Counter(recorder.ids())
    assert set(counts) == set(expected), set(counts) ^ set(expected)
    assert all(n == 1 for n in counts.values()), counts


def _nothing_echoed(caplog: pytest.LogCaptureFixture) -> None:
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "4111 1111" not in logged and "dana.levi" not in logged


def _healthy(listener: NotificationListener, recorder: Recorder) -> None:
    st = listener.stats
    assert listener.is_connected()
    assert (st.reconnects, st.dead_sockets, st.handler_errors) == (0, 0, 0), st
    assert recorder.gaps == []


def malformed_frames(topic: str) -> dict[str, list[str]]:
    """Frames by category; every one of them must count as exactly one BadEvent."""
    return {
        "invalid_json": [
            "this is not json " + SECRET_TEXT,
            '{"topicName": "' + SECRET_TEXT + '", "eventBody": {',
            "{",
            '{"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}',
            "",
            "   ",
            "\x00\x01\x02",
            "{'topicName': 'single quotes'}",
            '{"topicName": "x", "eventBody": NaN}',
            '{"topicName": "x" "eventBody": {}}',
            "\ufeff{}",
        ],
        "not_an_envelope": ["null", "[]", '["an", "array"]', '"a string"', "42", "true", "{}"],
        "wrong_types": [
            '{"topicName": 5}',
            '{"topicName": null}',
            '{"topicName": ["v2.routing.queues.x.conversations.messages"]}',
            '{"topicName": {"nested": true}}',
            _env(topic, SECRET_TEXT),
            _env(topic, []),
            _env(topic, 12),
            _env(topic, {"id": 5, "participants": [_ended_participant()]}),
            _env(topic, {"id": None, "participants": [_ended_participant()]}),
            _env(topic, {"id": "c1", "participants": SECRET_TEXT}),
            _env(topic, {"id": "c1", "participants": [5, "x"]}),
            _env(topic, {"id": "c1", "participants": [_ended_participant(state=7)]}),
            _env(topic, {"id": "c1", "participants": [_ended_participant(endTime="yesterday-ish")]}),
            _env(topic, {"id": "c1", "participants": [_ended_participant(queue="q1")]}),
            _env("channel.metadata", {"message": 5}),
            _env("channel.metadata", "heartbeat"),
        ],
        "missing_fields": [
            json.dumps({"eventBody": {"message": "WebSocket Heartbeat"}}),
            _env(topic),  # no eventBody at all
            _env(topic, {}),  # no conversation id
            _env(topic, {"participants": [_ended_participant()]}),
        ],
    }


UNKNOWN_TOPICS = [
    _env("v2.users.5f2b.presence", {"presenceDefinition": {"systemPresence": SECRET_TEXT}}),
    _env("v2.routing.queues.abc.conversations.calls", {"id": "c1", "participants": []}),
    _env("v2.conversations.messages.c1.messages", {"id": "c1"}),
    _env("", {"id": "c1"}),
    _env("channel.metadata.extra", {"message": "pong"}),
    _env(SECRET_TEXT, {"id": "c1"}),  # a topic name carrying customer text: counted, not echoed
]


async def test_malformed_frames_are_counted_and_never_fatal(
    sim: Simulator, client: GenesysClient, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    listener = await _listen(sim, client, recorder)
    before = await sim.generate(2)
    await eventually(lambda: len(recorder.ended) == 2, what="conversations ended before the garbage")

    bad = [f for frames in malformed_frames(_topic(sim)).values() for f in frames]
    await _send(sim, *bad)
    during = await sim.generate(2)
    await _send(sim, *UNKNOWN_TOPICS)
    expected_bad = len(bad) + len(UNKNOWN_TOPICS)
    await eventually(lambda: listener.stats.bad_events >= expected_bad, what=f"{expected_bad} bad events")
    after = await sim.generate(2)
    await eventually(lambda: len(recorder.ended) >= 6, what="conversations ended after the garbage")
    await asyncio.sleep(0.3)  # anything still in flight would show up as a duplicate or extra bad event

    st = listener.stats
    assert st.bad_events == expected_bad
    assert st.unknown_topics == len(UNKNOWN_TOPICS)
    _once_each(recorder, before + during + after)
    _healthy(listener, recorder)
    _nothing_echoed(caplog)


async def test_hostile_conversation_ids_are_bad_events_not_emitted(
    sim: Simulator, client: GenesysClient, recorder: Recorder
) -> None:
    """An id that is not a Genesys id must never become a queue entry (it would be a file/blob name)."""
    listener = await _listen(sim, client, recorder)
    topic = _topic(sim)
    hostile_ids = [
        "",
        "../../etc/passwd",
        "..",
        "a/b",
        "a\\b",
        "c1\x00",
        "id with spaces",
        "\u202egnp.exe",
        "x" * 5000,
        "%2e%2e%2fetc",
        "-rf",
        ".hidden",
    ]
    await _send(
        sim, *(_env(topic, {"id": cid, "participants": [_ended_participant()]}) for cid in hostile_ids)
    )
    await eventually(lambda: listener.stats.bad_events >= len(hostile_ids), what="hostile ids rejected")
    ids = await sim.generate(2)
    await eventually(lambda: len(recorder.ended) >= 2, what="valid conversations")
    await asyncio.sleep(0.2)
    assert listener.stats.bad_events == len(hostile_ids)
    _once_each(recorder, ids)
    _healthy(listener, recorder)


async def test_one_megabyte_frames(
    sim: Simulator, client: GenesysClient, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    listener = await _listen(sim, client, recorder)
    topic = _topic(sim)
    [cid] = await sim.generate(1)
    await eventually(lambda: recorder.ids() == [cid], what="the conversation's own end event")

    # A real ended event for a new conversation, padded past 1 MB with fields the model does not know.
    [padded_id] = await sim.generate(1, end=False)
    conv = sim.store.by_id[padded_id]
    await sim.end_conversation(padded_id)
    await eventually(lambda: padded_id in recorder.ids(), what="the padded conversation's end")
    recorder.ended.clear()
    listener.detector.forget(padded_id)  # make the padded replay the first end notice again
    body = sim_render.topic_body(conv, time.time(), sim.config.topic_message_cap)
    body["participants"][0]["attributes"] = {"blob": "é" * (MB // 2)}  # 1 MB of UTF-8 in an unknown field
    body["otherMediaUris"] = ["x" * 1000] * 200
    big_valid = _env(topic, body)
    assert len(big_valid.encode()) > MB

    frames = [
        SECRET_TEXT + "x" * MB,  # 1 MB that is not JSON
        "[" * MB,  # 1 MB of nesting: must not blow the decoder's stack
        '{"topicName": "' + "t" * MB + '"}',  # 1 MB topic name: unknown topic (logged truncated)
        _env("v2.users.x.presence", {"blob": "y" * MB}),  # unknown topic with a 1 MB body
        _env(topic, {"id": "c1", "participants": [_ended_participant()] * 20000}),  # ~1.6 MB
    ]
    await _send(sim, *frames[:4])
    await eventually(lambda: listener.stats.bad_events >= 4, what="4 bad 1 MB frames")
    await _send(sim, big_valid)
    await eventually(lambda: recorder.ids() == [padded_id], what="the 1 MB valid event emitted")
    # 20,000 ended participants for one id: a valid (if absurd) event, emitted once.
    await _send(sim, frames[4], frames[4])
    await eventually(lambda: "c1" in recorder.ids(), what="the 20k-participant event")
    await asyncio.sleep(0.2)
    assert listener.stats.bad_events == 4
    assert listener.stats.unknown_topics == 2
    assert Counter(recorder.ids()) == {padded_id: 1, "c1": 1}
    after = await sim.generate(2)
    await eventually(lambda: set(after) <= set(recorder.ids()), what="conversations after the big frames")
    _healthy(listener, recorder)
    _nothing_echoed(caplog)


async def test_duplicate_flood_for_one_conversation_is_emitted_once(
    sim: Simulator, client: GenesysClient, recorder: Recorder
) -> None:
    listener = await _listen(sim, client, recorder)
    topic = _topic(sim)
    [cid] = await sim.generate(1, end=False)
    conv = sim.store.by_id[cid]
    # Not-ended events for it, repeated: nothing to emit, nothing bad.
    live = sim_render.topic_body(conv, time.time(), sim.config.topic_message_cap)
    for _ in range(300):
        await sim.notifications.publish(topic, live)
    await sim.end_conversation(cid)
    await eventually(lambda: cid in recorder.ids(), what="the end event")
    ended = sim_render.topic_body(conv, time.time(), sim.config.topic_message_cap)
    flood = 2000
    others: list[str] = []
    for i in range(flood):
        await sim.notifications.publish(topic, ended)
        if i % 500 == 0:
            others += await sim.generate(1)  # real ends interleaved with the flood
    await eventually(
        lambda: listener.detector.duplicates >= flood and set(others) <= set(recorder.ids()),
        within=20,
        what="the flood processed",
    )
    await asyncio.sleep(0.2)
    assert listener.detector.duplicates == flood
    assert listener.stats.bad_events == 0
    _once_each(recorder, [cid, *others])
    _healthy(listener, recorder)


@pytest.mark.parametrize("system_topic", ["v2.system.no_longer_subscribed", "v2.system.made_up"])
async def test_unexpected_system_frames_resubscribe_and_keep_listening(
    sim: Simulator, client: GenesysClient, recorder: Recorder, system_topic: str
) -> None:
    listener = await _listen(sim, client, recorder)
    await _send(sim, _env(system_topic, {"reason": 5}), _env(system_topic, "garbage"))
    await eventually(lambda: listener.stats.system_events == 2, what="system frames seen")
    ids = await sim.generate(3)
    await eventually(lambda: len(recorder.ended) >= 3, what="conversations after the system frames")
    _once_each(recorder, ids)
    _healthy(listener, recorder)
