"""A simulated Genesys Cloud org (OAuth, REST, Notifications WebSocket, analytics) for tests and demos.

    from archiver.sim import Simulator, SimConfig
    sim = Simulator(SimConfig(seed=1, rate_limit_per_min=300, heartbeat_s=30.0, analytics_lag_s=0.0))
    await sim.start(host="127.0.0.1", port=0)   # sim.base_url -> "http://127.0.0.1:PORT"
    ids = await sim.generate(3, kind="webmessaging", end=True)   # also "open", "sms", "bot"; messages=5000
    ids = await sim.generate(1, end=False); await sim.end_conversation(ids[0])
    sim.traffic.start() / pause() / resume()          # background conversations at conversations_per_min
    sim.truth(cid) / sim.truths() / sim.attributes(cid) / sim.tags(cid) / sim.call_counts()
    sim.properties_of(cid)   # analytics properties indexed through …/details/properties (the write-back)
    await sim.faults.drop_sockets(code=1006); await sim.faults.socket_closing()
    await sim.faults.expire_channels()
    sim.faults.silence_heartbeats(True); sim.faults.fail_next(2, status=503 | "timeout", path_prefix=None)
    sim.faults.latency(0.2); sim.faults.revoke_tokens(); sim.faults.set_rate_limit(10)
    sim.faults.refuse_writeback(True); sim.faults.delete_conversation(cid); sim.faults.clear()
    await sim.faults.send_raw('{bad json'); sim.faults.expire_tokens(); sim.faults.set_heartbeat(0.5)
    await sim.stop()

One host serves everything: the API (`/api/v2/...`), login (`POST /oauth/token` — the official SDK derives its
login host by replacing `//api.` with `//login.`, which leaves `http://127.0.0.1:PORT` unchanged) and the
channel WebSockets (`ws://HOST:PORT/channels/{id}`). Admin endpoints live under `/_sim/` (see admin.py).
"""

from __future__ import annotations

from archiver.sim.app import Simulator
from archiver.sim.config import SimConfig
from archiver.sim.faults import Faults
from archiver.sim.model import ConversationTruth
from archiver.sim.traffic import Traffic

__all__ = ["ConversationTruth", "Faults", "SimConfig", "Simulator", "Traffic"]
