"""A scenario waits in simulated time, and a step that fails while the CSMS is out of reach says why."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.scenario import LinkWatch, ScenarioRunner, connect_failure, parse_scenario
from ocpplab_desktop.model.events import StationEvent


@pytest.fixture
def refusing_url() -> Iterator[str]:
    """A 127.0.0.1 port that refuses connections: bound, never listening, so no one else takes it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"ws://127.0.0.1:{sock.getsockname()[1]}"


async def test_wait_until_times_out_after_its_timeout_in_simulated_seconds_and_says_the_csms_was_unreachable(
    refusing_url: str,
) -> None:
    scenario = parse_scenario(
        {
            "station": {"template": "ac-22kw-wallbox", "id": "WAIT-1"},
            "steps": [{"wait_until": {"registration": "Accepted", "timeout": 60}}],
        }
    )
    # The lab's own tick never comes: the test moves the clock, one simulated second at a time.
    lab = Lab(speed=1, tick_s=3600, csms_port=None)
    await lab.start()
    failed = asyncio.Event()
    lab.bus.subscribe(lambda e: isinstance(e, StationEvent) and e.kind == "connect_failed" and failed.set())
    try:
        runner = ScenarioRunner(lab, scenario, csms_url=refusing_url, min_real_wait_s=0)
        running = asyncio.ensure_future(runner.run())
        await asyncio.wait_for(failed.wait(), 30)
        start = lab.clock.now
        for _ in range(200):
            if runner.report.results:
                break
            lab.clock.advance_sim(1)
            for _ in range(5):
                await asyncio.sleep(0)
        assert 60 <= lab.clock.now - start <= 61, "the timeout counts simulated seconds, not passes of a loop"
        report = await asyncio.wait_for(running, 30)
    finally:
        await lab.close()
    (result,) = report.results
    assert not result.ok
    assert result.detail.startswith("registration=Accepted, timeout=60 not met within 60 s (simulated); ")
    assert report.unreachable is not None
    assert report.unreachable.startswith(
        f"could not reach the CSMS (connection refused): cannot connect to {refusing_url}"
    )


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("[Errno 111] Connect call failed ('127.0.0.1', 1)", "connection refused"),
        ("[Errno -2] Name or service not known", "DNS: no such host"),
        ("[Errno -3] Temporary failure in name resolution", "DNS: no such host"),
        (
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)",
            "TLS: the CSMS's certificate did not verify",
        ),
        ("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)", "TLS handshake failed"),
        ("server rejected WebSocket connection: HTTP 404", "the CSMS refused the WebSocket handshake with HTTP 404"),
        ("did not receive a valid HTTP response", "no WebSocket handshake answer (a TLS port? use wss://)"),
        ("timed out during opening handshake", "timed out"),
        ("no OCPP subprotocol agreed", "connection failed"),
    ],
)
def test_a_failed_connection_attempt_is_said_in_words(error: str, words: str) -> None:
    assert connect_failure(f"cannot connect to ws://csms.example/CP-1: {error}") == words


def note(kind: str, detail: str = "") -> StationEvent:
    return StationEvent("CP-1", kind, detail)


def test_the_csms_is_unreachable_only_while_disconnected_after_a_failed_attempt() -> None:
    watch = LinkWatch()
    assert watch.unreachable(connected=False) is None  # no attempt has failed yet
    watch.note(note("connect_failed", "cannot connect to ws://x/CP-1: [Errno 111] Connect call failed"))
    assert watch.unreachable(connected=False) == (
        "could not reach the CSMS (connection refused): cannot connect to ws://x/CP-1: [Errno 111] Connect call failed"
    )
    watch.note(note("connected"))
    assert watch.unreachable(connected=True) is None
    watch.note(note("disconnected"))
    assert watch.unreachable(connected=False) is None  # a scenario may take the network down on purpose
    watch.note(note("connect_failed", "cannot connect to ws://x/CP-1: server rejected WebSocket connection: HTTP 503"))
    assert watch.unreachable(connected=False) == (
        "lost the CSMS and could not reconnect (the CSMS refused the WebSocket handshake with HTTP 503): "
        "cannot connect to ws://x/CP-1: server rejected WebSocket connection: HTTP 503"
    )
