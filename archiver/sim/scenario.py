"""Build one simulated conversation: a transcript (from `archiver.synth`) laid out on a realistic timeline.

Times are wall-clock seconds. Everything up to the last message is in the past when the conversation is
created; the final disconnects are either in the past too (`ended=True`) or left pending until `finish()`.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Any

from archiver.sim.model import Attachment, Conversation, Msg, Participant, Transfer, new_id

FIRST = (
    "Maria",
    "James",
    "Aisha",
    "Wei",
    "Olivia",
    "Mateo",
    "Priya",
    "Lukas",
    "Chloe",
    "Kenji",
    "Fatima",
    "Noah",
)
LAST = (
    "Garcia",
    "Smith",
    "Khan",
    "Chen",
    "Johnson",
    "Rossi",
    "Patel",
    "Müller",
    "Dubois",
    "Tanaka",
    "Haddad",
    "Brown",
)
QUEUE_NAMES = (
    "Web Support",
    "Billing",
    "Sales",
    "Returns",
    "Technical Support",
    "Loyalty",
    "Shipping",
    "Fraud Desk",
)
FILLER = (
    "I have been going back and forth with your team about this for a while now and I want to explain "
    "everything "
    "from the start so nobody has to ask me again. "
)


@dataclass(frozen=True)
class Org:
    """Static org data: queues, agents, division, messaging integrations."""

    queues: tuple[tuple[str, str], ...]  # (id, name)
    agents: tuple[tuple[str, str], ...]  # (user id, name)
    division_id: str
    integrations: dict[str, str]  # message type → integration (deployment) id

    @classmethod
    def make(cls, rng: random.Random, n_queues: int, n_agents: int) -> Org:
        queues = tuple(
            (new_id(rng), QUEUE_NAMES[i % len(QUEUE_NAMES)] + ("" if i < len(QUEUE_NAMES) else f" {i}"))
            for i in range(n_queues)
        )
        agents = tuple((new_id(rng), f"{rng.choice(FIRST)} {rng.choice(LAST)}") for _ in range(n_agents))
        return cls(
            queues=queues,
            agents=agents,
            division_id=new_id(rng),
            integrations={k: new_id(rng) for k in ("webmessaging", "open", "sms")},
        )


def _turns(
    rng: random.Random,
    n: int | None,
    min_turns: int,
    max_turns: int,
    pii_rate: float,
) -> list[tuple[str, str, list[str]]]:
    """(role, text, planted PII values) per turn, from archiver.synth; `n` forces an exact count."""
    from archiver.synth import generate_transcript

    out: list[tuple[str, str, list[str]]] = []
    while True:
        tr: Any = generate_transcript(rng, min_turns=min_turns, max_turns=max_turns, pii_rate=pii_rate)
        # planted values are looked for as substrings of whole archives: a CVV or ZIP of the cue-word types
        # (`073`, `94107`) would be found in any id or timestamp, so only values of 8 characters or more
        # of those types are planted (every value of the five shape types is)
        out.extend(
            (t.role, t.text, [s.value for s in t.spans if s.type in _SHAPE_TYPES or len(s.value) >= 8])
            for t in tr.turns
        )
        if n is None or len(out) >= n:
            return out if n is None else out[:n]


@dataclass
class Pending:
    """Disconnects still to happen for a conversation created with ended=False."""

    steps: list[tuple[Participant, str, str]]  # (participant, disconnectType, end state), in order


def build(
    rng: random.Random,
    org: Org,
    kind: str,
    now: float,
    *,
    messages: int | None,
    ended: bool,
    min_turns: int,
    max_turns: int,
    pii_rate: float,
) -> tuple[Conversation, Pending | None]:
    """A new conversation of `kind` whose pre-end timeline lies in the past.

    `messages=N` yields exactly N messages (one per turn; no attachment-only message, no pasted long text);
    `messages=None` draws the count from min_turns/max_turns, attachment-only messages included.
    """
    turns = _turns(rng, messages, min_turns, max_turns, pii_rate)
    if messages is None and rng.random() < 0.04:
        # some customers paste very long texts (exercise size limits, not just counts)
        i = next((k for k, t in enumerate(turns) if t[0] == "customer"), 0)
        role, text, pii = turns[i]
        turns[i] = (role, text + " " + FILLER * rng.randint(40, 160), pii)
    bot = kind == "bot"
    queue_id, queue_name = (None, None) if bot else rng.choice(org.queues)
    cname = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    caddr = {
        "sms": f"+1{rng.randint(201, 989)}555{rng.randint(1000, 9999)}",
        "open": f"open-{new_id(rng)[:13]}",
    }.get(kind, "")
    customer = Participant(
        id=new_id(rng),
        purpose="customer",
        name=cname,
        start=0.0,
        connected=0.0,
        address=caddr or None,
        sees_all=True,
    )
    turns = _known_details(customer, cname, turns)
    flow = Participant(
        id=new_id(rng),
        purpose="workflow",
        name="Digital Bot Flow" if bot else "Inbound Message Flow",
        start=0.0,
        connected=0.0,
        end=None if bot else 1.5,
        disconnect_type="transfer",
    )
    parts = [customer, flow]
    agents: list[Participant] = []
    transfers: list[Transfer] = []
    t = 2.0
    if not bot:
        acd = Participant(
            id=new_id(rng),
            purpose="acd",
            name=queue_name or "",
            start=1.5,
            connected=1.5,
            queue_id=queue_id,
            disconnect_type="transfer",
        )
        first_agent = rng.choice(org.agents)
        a1 = _agent(rng, first_agent, 1.5 + rng.uniform(2, 20), answers_within_s=12, queue_id=queue_id)
        assert a1.connected is not None
        acd.end = a1.connected
        parts += [acd, a1]
        agents.append(a1)
        t = a1.connected + 1.0
    n_agent_turns = sum(1 for r, _, _ in turns if r != "customer")
    transfer_at = (
        rng.randint(n_agent_turns // 3, 2 * n_agent_turns // 3)
        if kind == "webmessaging" and n_agent_turns >= 4 and rng.random() < 0.25
        else -1
    )
    attach_at = rng.randrange(len(turns)) if rng.random() < 0.15 else -1
    msgs: list[Msg] = []
    planted: list[str] = []
    seen_agent = 0
    for i, (role, text, pii) in enumerate(turns):
        inbound = role == "customer"
        if not inbound:
            if seen_agent == transfer_at and agents:
                old = agents[-1]
                next_agent = rng.choice([a for a in org.agents if a[0] != old.user_id] or list(org.agents))
                t += rng.uniform(2, 10)
                new = _agent(rng, next_agent, t, answers_within_s=8, queue_id=queue_id)
                old.end, old.disconnect_type = t, "transfer"
                transfers.append(
                    Transfer(id=new_id(rng), ts=t, from_user=old.user_id or "", to_user=next_agent[0])
                )
                assert new.connected is not None
                t = new.connected + 0.5
                parts.append(new)
                agents.append(new)
            seen_agent += 1
        t += rng.uniform(3, 45) if i else 0.5
        sender = customer if inbound else (agents[-1] if agents else flow)
        atts = (_attachment(rng),) if i == attach_at and inbound else ()
        if atts and messages is None and rng.random() < 0.5:
            # customers often send a picture on its own, with no text at all (not when `messages` asks for an
            # exact count: then the attachment rides on its turn's message, so the count stays exact)
            msgs.append(
                Msg(id=new_id(rng), participant_id=sender.id, ts=t, inbound=True, text="", attachments=atts)
            )
            t += rng.uniform(2, 20)
            atts = ()
        msgs.append(
            Msg(
                id=new_id(rng),
                participant_id=sender.id,
                ts=t,
                inbound=inbound,
                text=text,
                bot=bot and not inbound,
                attachments=atts,
            )
        )
        planted.extend(pii)
    end_gap = rng.uniform(5, 60)
    # shift the whole plan so its last pre-end instant (or its end) lies in the past
    shift = now - (t + end_gap + rng.uniform(1, 30)) if ended else now - t - rng.uniform(0.5, 3)
    for p in parts:
        p.start += shift
        p.connected = p.connected + shift if p.connected is not None else None
        p.end = p.end + shift if p.end is not None else None
    for m in msgs:
        m.ts += shift
    for tr in transfers:
        tr.ts += shift
    last = agents[-1] if agents else flow
    steps = [
        (last, "client", "disconnected"),
        (customer, "endpoint", "terminated" if rng.random() < 0.1 else "disconnected"),
    ]
    conv = Conversation(
        id=new_id(rng),
        kind=kind,
        queue_id=queue_id,
        start=customer.start,
        participants=parts,
        messages=msgs,
        planted_pii=list(dict.fromkeys(planted)),
        division_id=org.division_id,
        integration_id=org.integrations[conv_type(kind)],
        customer_name=cname,
        customer_address=caddr,
        transfers=transfers,
    )
    if ended:
        end = t + shift + end_gap
        finish(Pending(steps), end)
        return conv, None
    return conv, Pending(steps)


_SHAPE_TYPES = frozenset(("CREDIT_CARD", "US_SSN", "EMAIL", "PHONE", "IBAN"))
KNOWN_SHARE = 0.3  # customers whose Messenger set pre-chat attributes (context.firstName …)


def _agent(
    rng: random.Random, agent: tuple[str, str], start: float, *, answers_within_s: float, queue_id: str | None
) -> Participant:
    """An agent (user id, name) alerted at `start` who answers 2 s to `answers_within_s` later."""
    user_id, name = agent
    return Participant(
        id=new_id(rng),
        purpose="agent",
        name=name,
        start=start,
        connected=start + rng.uniform(2, answers_within_s),
        alerting_first=True,
        user_id=user_id,
        queue_id=queue_id,
    )


def _known_details(
    customer: Participant, cname: str, turns: list[tuple[str, str, list[str]]]
) -> list[tuple[str, str, list[str]]]:
    """Give a share of customers the common `context.*` attributes, and use them in the texts.

    The agent greets by first name, the customer signs off with the full name (now and then in lower
    case or without accents), and some customers repeat their e-mail address. A side RNG seeded from the
    customer id keeps the main stream, and so every other generated value, unchanged.
    """
    side = random.Random(customer.id)
    if side.random() >= KNOWN_SHARE or " " not in cname:
        return turns
    first, last = cname.split(" ", 1)
    email = f"{first.lower()}.{last.lower()}{side.randint(1, 99)}@example.com"
    customer.prechat.update({"context.firstName": first, "context.lastName": last, "context.email": email})
    out = list(turns)
    agent = next((i for i, t in enumerate(out) if t[0] != "customer"), None)
    if agent is not None:
        role, text, pii = out[agent]
        out[agent] = (role, f"Hi {first}! {text}", pii)  # (a first name alone is no planted value)
    mine = [i for i, t in enumerate(out) if t[0] == "customer"]
    if mine:
        role, text, pii = out[mine[-1]]
        name = cname.lower() if side.random() < 0.3 else cname
        extra = f" my email is {email}" if side.random() < 0.3 else ""
        out[mine[-1]] = (role, f"{text} — {name}{extra}", [*pii, name] + ([email] if extra else []))
    return out


def conv_type(kind: str) -> str:
    return "webmessaging" if kind == "bot" else kind


def finish(pending: Pending, at: float) -> None:
    """Disconnect the remaining participants, in order, a millisecond apart, the last at `at`."""
    n = len(pending.steps)
    for i, (p, dtype, state) in enumerate(pending.steps):
        p.end, p.disconnect_type, p.end_state = at - (n - 1 - i) * 0.001, dtype, state


def _attachment(rng: random.Random) -> Attachment:
    media_type, mime, ext = rng.choice(
        (
            ("Image", "image/png", "png"),
            ("Image", "image/jpeg", "jpg"),
            ("File", "application/pdf", "pdf"),
            ("Video", "video/mp4", "mp4"),
        )
    )
    aid = new_id(rng)
    return Attachment(
        id=aid,
        media_type=media_type,
        mime=mime,
        filename=f"IMG_{rng.randint(1000, 9999)}.{ext}",
        size=rng.randint(2_000, 4_000_000),
        sha256=hashlib.sha256(aid.encode()).hexdigest(),
        url=f"https://sim.genesys.invalid/api/v2/downloads/{aid}",
    )


def open_long(conv: Conversation, open_for_s: float, last_activity: float) -> None:
    """Make `conv` a long-lived thread: the customer opened it `open_for_s` before `last_activity`.

    Web messaging threads stay open across days (often weeks, rarely past 30 days): the customer writes, a
    bot flow answers, and the agent part comes much later. So the customer and the flow move back to the
    thread's start with the customer's first message (if the transcript opens with one); queue and agents
    keep their recent times. The conversation's *start* is then far older than its end — which is what the
    analytics details query selects by.
    """
    if open_for_s <= 0:
        return
    start = last_activity - open_for_s
    shift = start - conv.start
    if shift >= 0:
        return
    customer = conv.customer
    flow = next((p for p in conv.participants if p.purpose == "workflow"), None)
    for p in (customer, flow):
        if p is None:
            continue
        p.start += shift
        p.connected = p.connected + shift if p.connected is not None else None
        if p.end is not None:  # a handing-off flow ends right after the start (a bot flow stays)
            p.end += shift
    first = conv.messages[0] if conv.messages else None
    if first is not None and first.inbound and first.participant_id == customer.id:
        first.ts = customer.start + 0.5
    conv.start = customer.start
