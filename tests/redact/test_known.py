"""Known values: the customer's own name and attributes, redacted wherever the texts hold them."""

from __future__ import annotations

import json

from archiver.archive.record import build_record
from archiver.redact import REDACTOR_VERSION, RedactConfig, Redactor
from archiver.redact.known import fold, known_values
from tests.archive import payloads as P

R = Redactor()
KNOWN = (
    ("PERSON_NAME", "José García"),
    ("EMAIL", "jose.g@example.com"),
    ("PHONE", "+1 415 555 0132"),
    ("STREET_ADDRESS", "12 Oak Lane"),
    ("POSTAL_CODE", "94107"),
)


def test_every_form_of_a_known_value_is_replaced() -> None:
    texts = [
        "Hi Jose! thanks",
        "JOSÉ GARCÍA here, garcia is my last name",
        "Jose\u0301 Garci\u0301a with combining accents",
        "reach me on 415 555-0132",
        "mail JOSE.G@example.com",
        "I'm at 12 oak lane",
        "zip is 94107",
    ]
    out, counts = R.redact_many(texts, KNOWN)
    for text in out:
        assert not any(v in fold(text) for v in ("jose", "garcia", "0132", "oak lane", "94107")), text
    assert counts["PERSON_NAME"] >= 4 and counts["STREET_ADDRESS"] == 1
    assert out[0] == "Hi [REDACTED:PERSON_NAME]! thanks"


def test_look_alikes_of_known_values_stay() -> None:
    texts = ["Joseph called", "Garcias Inc.", "order 4155550132x", "oakland", "a J. reply"]
    out, counts = R.redact_many(texts, KNOWN)
    assert out == texts and counts == {}


def test_single_letters_are_never_known_names() -> None:
    out, _ = R.redact_many(["J is a letter", "so is A"], (("PERSON_NAME", "J A Smith"),))
    assert out == ["J is a letter", "so is A"]


def test_double_barrelled_names_and_smart_apostrophes() -> None:
    # phone keyboards type `O’Brien`; a customer is called by either part of `O'Brien-Smith`
    known = (("PERSON_NAME", "Siobhán O'Brien-Smith"),)
    texts = [
        "Dear Mrs O\u2019Brien-Smith",
        "Ms O'Brien",
        "Mr Smith",
        "obrien smith",
        "Siobhán O\u2019Brien\u2011Smith",
    ]
    out, counts = R.redact_many(texts, known)
    assert out == [
        "Dear Mrs [REDACTED:PERSON_NAME]",
        "Ms [REDACTED:PERSON_NAME]",
        "Mr [REDACTED:PERSON_NAME]",
        "[REDACTED:PERSON_NAME]",
        "[REDACTED:PERSON_NAME]",
    ]
    assert counts == {"PERSON_NAME": 5}
    assert R.redact_many(["O is a letter", "Brien"], known)[0] == ["O is a letter", "Brien"]


def test_values_come_from_the_customer_and_configured_keys_only() -> None:
    raw = json.dumps(
        {
            "participants": [
                {
                    "purpose": "customer",
                    "name": "Zoë Brightwater",
                    "attributes": {
                        "context.email": "zoe@example.org",
                        "context.phoneNumber": "07700 900123",
                        "orderId": "A-1234",
                        "context.addressCity": "Leeds",
                    },
                },
                {"purpose": "agent", "name": "Agatha Pembleton"},
            ]
        }
    ).encode()
    keys = RedactConfig().known_value_attributes
    assert set(known_values([raw], keys)) == {
        ("PERSON_NAME", "Zoë Brightwater"),
        ("EMAIL", "zoe@example.org"),
        ("PHONE", "07700 900123"),
        ("STREET_ADDRESS", "Leeds"),
    }
    assert ("PERSON_NAME", "Agatha Pembleton") in known_values([raw], keys, agent_names=True)
    assert known_values([b"not json"], keys) == ()


def test_record_builder_redacts_the_customers_name_from_the_texts() -> None:
    parts = [
        P.participant(P.CUSTOMER, "customer", ["m1"]),
        P.participant(P.AGENT, "agent", ["m2"]),
    ]
    # the fixture's customer carries `customerName`; configure that key, plus the agent names
    entities = [
        P.message("m1", 10, "hi it's zebulon, I still live at 742 Evergreen Terrace"),
        P.message("m2", 20, "Thanks Zebulon Quixwright, Agatha will help", inbound=False),
    ]
    for agent_names, agent_kept in ((False, True), (True, False)):
        redactor = Redactor(RedactConfig(known_value_attributes=("street",), agent_names=agent_names))
        record, _ = build_record(
            P.conversation(parts),
            [P.listing(entities)],
            archived_at="2026-01-01T00:00:00+00:00",
            redactor=redactor,
            redactor_version=REDACTOR_VERSION,
        )
        texts = " ".join(m.text or "" for m in record.messages)
        assert "ebulon" not in texts and "Quixwright" not in texts and "Evergreen" not in texts, texts
        assert ("Agatha" in texts) is agent_kept, texts
        assert record.redaction.counts["PERSON_NAME"] >= 2


def test_config_keys_reach_the_redactor(tmp_path: object) -> None:
    from pathlib import Path

    from archiver.config import load_config, redact_config

    path = Path(str(tmp_path)) / "c.toml"
    path.write_text('[redaction]\nknown_value_attributes = ["crm.fullName"]\nagent_names = true\n')
    rc = redact_config(load_config(path, env={}))
    assert rc.known_value_attributes == ("crm.fullName",) and rc.agent_names
    assert redact_config(load_config(None, env={})).known_value_attributes[0] == "context.firstName"
