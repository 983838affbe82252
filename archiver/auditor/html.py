"""Readable, self-contained HTML for an e-discovery bundle: one transcript per conversation and an index.

Self-contained means one file each: inline CSS, no scripts, no external fonts, images or links off the
bundle, so a page opens the same offline in ten years and cannot phone home. Every value from a record is
HTML-escaped (a transcript is attacker-controlled text); redaction tokens `[REDACTED:TYPE]` are marked so a
reader sees where the redactor removed something. Times show in UTC and in a chosen zone.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from typing import Any

_TOKEN = re.compile(r"\[REDACTED:[A-Z0-9_]+\]")

CSS = """
body{font:15px/1.45 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1b1b1b;margin:2em auto;
max-width:60em;padding:0 1em}
h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.1em;margin:1.5em 0 .4em}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3;font-weight:600}
.meta td:first-child{width:14em;color:#555}
.msg{border-left:4px solid #999;margin:.6em 0;padding:.3em .7em;page-break-inside:avoid;break-inside:avoid}
.customer{border-color:#2266aa}.agent{border-color:#228844}.bot{border-color:#aa7700}.system{border-color:#888}
.who{font-weight:600}.when{color:#555;font-size:.9em}
.text{white-space:pre-wrap;overflow-wrap:anywhere;margin-top:.2em}
mark.redacted{background:#222;color:#fff;padding:0 .25em;border-radius:2px;font-family:monospace;
font-size:.9em}
.att{font-size:.9em;color:#333;margin:.3em 0 0 1em}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;overflow-wrap:anywhere}
.bad{color:#a00;font-weight:600}.ok{color:#060}
footer{margin-top:2em;color:#666;font-size:.85em}
@media print{body{margin:0;max-width:none;font-size:11pt}a{color:inherit;text-decoration:none}
.msg{border-left-width:3px}mark.redacted{background:none;color:#000;border:1px solid #000}}
"""


def esc(value: Any) -> str:
    """HTML-escape anything (None → an en dash)."""
    return "–" if value is None or value == "" else html.escape(str(value), quote=True)


def marked(text: str | None) -> str:
    """Escape `text` and wrap each redaction token in `<mark class="redacted">`."""
    if not text:
        return ""
    out, last = [], 0
    for m in _TOKEN.finditer(text):
        out.append(html.escape(text[last : m.start()]))
        out.append(f'<mark class="redacted">{html.escape(m.group(0))}</mark>')
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def when(value: str | None, zone: tzinfo, zone_name: str) -> str:
    """`2026-05-14 10:00:00 UTC (12:00:00 Europe/Paris)` from an ISO timestamp."""
    if not value:
        return "–"
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return esc(value)
    utc = moment.strftime("%Y-%m-%d %H:%M:%S UTC")
    if zone_name == "UTC":
        return esc(utc)
    local = moment.astimezone(zone)
    return esc(f"{utc} ({local:%Y-%m-%d %H:%M:%S} {zone_name})")


def speaker(msg: dict[str, Any], roles: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """(css class, label): customer / agent <userId> / bot / system."""
    part = roles.get(msg.get("participantId") or "", {})
    purpose = msg.get("purpose") or part.get("purpose")
    if msg.get("originatingEntity") == "Bot" or purpose in {"workflow", "bot"}:
        return "bot", "Bot"
    if purpose == "customer" or (purpose is None and msg.get("direction") == "inbound"):
        return "customer", "Customer"
    if purpose == "agent" or part.get("userId"):
        return "agent", f"Agent {part.get('userId') or ''}".strip()
    return "system", esc(purpose or "System")


def _page(title: str, body: Iterable[str]) -> str:
    head = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
    )
    return head + "".join(body) + "</body></html>\n"


def _content(items: Sequence[dict[str, Any]]) -> str:
    rows = []
    for c in items:
        parts = [esc(c.get("contentType"))]
        for key in ("title", "text", "payload"):
            if c.get(key):
                parts.append(marked(c[key]))
        rows.append(f"<div class='att'>{' · '.join(parts)}{_content(c.get('items') or [])}</div>")
    return "".join(rows)


def transcript(
    record: dict[str, Any],
    facts: dict[str, str],
    zone: tzinfo,
    zone_name: str,
    *,
    links: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
) -> str:
    """One conversation: facts table (archive, digests, retention), participants, messages.

    `links`: attachment id → relative path of its verified copy in the bundle; `problems`: attachment id →
    why an attachment the record lists as archived was not exported."""
    cid = record.get("conversationId", "")
    roles = {p.get("id") or "": p for p in record.get("participants") or []}
    body = [f"<h1>Conversation <code>{esc(cid)}</code></h1>", "<table class='meta'>"]
    rows = [
        ("Started", when(record.get("startTime"), zone, zone_name)),
        ("Ended", when(record.get("endTime"), zone, zone_name)),
        ("Media", esc(f"{record.get('mediaType')} / {record.get('messageType')}")),
        ("Messages", esc(record.get("messageCount"))),
        ("Archived at", when(record.get("archivedAt"), zone, zone_name)),
        (
            "Archiver / redactor",
            esc(f"{record.get('archiverVersion')} / {record.get('redaction', {}).get('engine')}"),
        ),
        (
            "Redactions",
            esc(
                ", ".join(
                    f"{k} {v}" for k, v in sorted(record.get("redaction", {}).get("counts", {}).items())
                )
                or "none"
            ),
        ),
    ]
    rows += [(k, f"<code>{esc(v)}</code>") for k, v in facts.items()]
    body += [f"<tr><td>{esc(k)}</td><td>{v}</td></tr>" for k, v in rows]
    body.append(
        "</table><h2>Participants</h2><table><tr><th>Role</th><th>Participant id</th><th>User id</th>"
    )
    body.append("<th>Queue id</th><th>Joined</th><th>Left</th></tr>")
    for p in record.get("participants") or []:
        body.append(
            f"<tr><td>{esc(p.get('purpose'))}</td><td><code>{esc(p.get('id'))}</code></td>"
            f"<td><code>{esc(p.get('userId'))}</code></td><td><code>{esc(p.get('queueId'))}</code></td>"
            f"<td>{when(p.get('startTime'), zone, zone_name)}</td>"
            f"<td>{when(p.get('endTime'), zone, zone_name)}</td></tr>"
        )
    body.append("</table><h2>Messages</h2>")
    for m in record.get("messages") or []:
        css, label = speaker(m, roles)
        body.append(
            f"<div class='msg {css}'><span class='who'>{esc(label)}</span> "
            f"<span class='when'>{when(m.get('timestamp'), zone, zone_name)} · {esc(m.get('type'))}</span>"
            f"<div class='text'>{marked(m.get('text'))}</div>"
        )
        for a in m.get("attachments") or []:
            size = a.get("contentSizeBytes")
            body.append(
                f"<div class='att'>Attachment: {esc(a.get('mediaType'))} {esc(a.get('mime'))}, "
                f"{esc(size)} bytes, sha256 <code>{esc(a.get('sha256'))}</code> — "
                f"{_stored(a, links or {}, problems or {})}"
                f"{(' · caption: ' + marked(a.get('text'))) if a.get('text') else ''}</div>"
            )
        body.append(_content(m.get("content") or []))
        if m.get("events"):
            body.append(f"<div class='att'>Events: {esc(', '.join(m['events']))}</div>")
        body.append("</div>")
    if record.get("unavailableMessageIds"):
        body.append(
            f"<p class='bad'>{len(record['unavailableMessageIds'])} message(s) listed by Genesys were not "
            "returned when archived.</p>"
        )
    body.append(
        "<footer>Redaction tokens such as <mark class='redacted'>[REDACTED:EMAIL]</mark> mark text "
        "removed before archiving. Generated by archiver export.</footer>"
    )
    return _page(f"Conversation {cid}", body)


def _stored(a: dict[str, Any], links: dict[str, str], problems: dict[str, str]) -> str:
    """What became of an attachment's bytes: a link to the verified copy, or the outcome."""
    archive = a.get("archive") if isinstance(a.get("archive"), dict) else None
    aid = str(a.get("id") or "")
    if archive is None:
        return "not archived (attachments.mode was metadata)"
    if aid in links:
        return (
            f"<a href='{esc(links[aid])}'>{esc(links[aid].rsplit('/', 1)[-1])}</a> "
            f"<span class='ok'>(archived, sha256 verified)</span>"
        )
    if aid in problems:
        return f"<span class='bad'>archived, NOT EXPORTED: {esc(problems[aid])}</span>"
    return f"not archived ({esc(archive.get('outcome'))})"


def _attachment_cell(row: dict[str, str]) -> str:
    files = (row.get("attachment_files") or "").split()
    cell = f"<br>{len(files)} attachment(s)" if files else ""
    if row.get("attachment_problems"):
        cell += "<br><span class='bad'>ATTACHMENT NOT VERIFIED</span>"
    return cell


def index(rows: Sequence[dict[str, str]], header: dict[str, str]) -> str:
    """The bundle's index page: export parameters and one row per conversation."""
    body = ["<h1>Archived conversations — export</h1><table class='meta'>"]
    body += [f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in header.items()]
    body.append("</table><table><tr><th>#</th><th>Conversation</th><th>Ended (UTC)</th><th>Messages</th>")
    body.append("<th>Digest</th><th>Legal hold</th><th>Files</th></tr>")
    for i, r in enumerate(rows, 1):
        ok = r["sha256_recorded"] == r["sha256_recomputed"]
        digest = "<span class='ok'>verified</span>" if ok else "<span class='bad'>MISMATCH</span>"
        body.append(
            f"<tr><td>{i}</td><td><a href='{esc(r['transcript_file'])}'>"
            f"<code>{esc(r['conversation_id'])}</code></a>"
            f"</td><td>{esc(r['end_time'])}</td><td>{esc(r['messages'])}</td><td>{digest}</td>"
            f"<td>{esc(r['legal_hold'])} {esc(r['legal_hold_cases'])}</td>"
            f"<td><a href='{esc(r['archive_file'])}'>{esc(r['archive_file'])}</a>"
            f"{_attachment_cell(r)}</td></tr>"
        )
    body.append("</table><footer>manifest.csv lists every file with its sha256.</footer>")
    return _page("Archived conversations — export", body)
