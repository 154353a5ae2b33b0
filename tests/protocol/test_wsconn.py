"""The websockets connections that hand over messages by callback (`wsconn`), on a real loopback socket.

The peer is a plain websockets server: what it sends arrives whole and in order at the receiver,
however it was framed, and what `send_now` writes arrives as ordinary text frames.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import websockets
from websockets.asyncio.server import ServerConnection, serve

from ocpplab_desktop.protocol.wsconn import DirectClientConnection

Peer = Callable[[ServerConnection], Awaitable[None]]


async def _with_peer(peer: Peer, body: Callable[[DirectClientConnection], Awaitable[Any]]) -> Any:
    async with serve(peer, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        async with websockets.connect(f"ws://127.0.0.1:{port}", create_connection=DirectClientConnection) as ws:
            assert isinstance(ws, DirectClientConnection)
            return await asyncio.wait_for(body(ws), 10)


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


def test_messages_sent_before_the_receiver_is_set_are_handed_over_first_and_in_order() -> None:
    async def peer(ws: ServerConnection) -> None:
        for i in range(3):
            await ws.send(f'[2,"early-{i}","Heartbeat",{{}}]')
        await ws.recv()  # the client's go-ahead
        await ws.send('[2,"late","Heartbeat",{}]')
        await ws.wait_closed()

    async def body(ws: DirectClientConnection) -> list[str | bytes]:
        await asyncio.sleep(0.2)  # the three early messages arrive with no receiver set
        got: list[str | bytes] = []
        ws.set_receiver(got.append)
        assert ws.send_now("go")
        await _until(lambda: len(got) == 4)
        return got

    got = asyncio.run(_with_peer(peer, body))
    assert got == [f'[2,"early-{i}","Heartbeat",{{}}]' for i in range(3)] + ['[2,"late","Heartbeat",{}]']


def test_a_fragmented_message_arrives_whole_and_binary_stays_binary() -> None:
    async def peer(ws: ServerConnection) -> None:
        await ws.send(['[3,"a",', '{"currentTime":', '"2026-12-02T10:00:00Z"}]'])  # three frames, one message
        await ws.send(b"\x00\x01")
        await ws.send('[3,"b",{}]')
        await ws.wait_closed()

    async def body(ws: DirectClientConnection) -> list[str | bytes]:
        got: list[str | bytes] = []
        ws.set_receiver(got.append)
        await _until(lambda: len(got) == 3)
        return got

    got = asyncio.run(_with_peer(peer, body))
    assert got == ['[3,"a",{"currentTime":"2026-12-02T10:00:00Z"}]', b"\x00\x01", '[3,"b",{}]']


def test_send_now_writes_text_frames_the_peer_reads_in_order() -> None:
    received: list[str | bytes] = []

    async def peer(ws: ServerConnection) -> None:
        async for message in ws:
            received.append(message)

    async def body(ws: DirectClientConnection) -> None:
        for i in range(50):
            assert ws.send_now(f'[2,"{i}","Heartbeat",{{}}]')
        await _until(lambda: len(received) == 50)

    asyncio.run(_with_peer(peer, body))
    assert received == [f'[2,"{i}","Heartbeat",{{}}]' for i in range(50)]


def test_send_now_declines_once_the_connection_is_closing() -> None:
    async def peer(ws: ServerConnection) -> None:
        await ws.wait_closed()

    async def body(ws: DirectClientConnection) -> bool:
        await ws.close()
        return ws.send_now('[2,"x","Heartbeat",{}]')

    assert asyncio.run(_with_peer(peer, body)) is False


def test_text_that_is_not_utf8_fails_the_connection_with_1007() -> None:
    codes: list[int | None] = []

    async def peer(ws: ServerConnection) -> None:
        # A text frame whose bytes are not UTF-8, written below websockets' own checks.
        ws.protocol.send_frame(websockets.frames.Frame(websockets.frames.Opcode.TEXT, b'[2,"\xff"]'))
        ws.send_data()
        await ws.wait_closed()
        codes.append(ws.close_code)  # what the client's close frame said

    async def body(ws: DirectClientConnection) -> list[str | bytes]:
        got: list[str | bytes] = []
        ws.set_receiver(got.append)
        await ws.wait_closed()
        await _until(lambda: bool(codes))
        return got

    assert asyncio.run(_with_peer(peer, body)) == []
    assert codes == [1007]


def test_send_now_leaves_a_paused_transport_to_the_awaited_send() -> None:
    async def peer(ws: ServerConnection) -> None:
        await ws.wait_closed()

    async def body(ws: DirectClientConnection) -> bool:
        ws.pause_writing()  # what asyncio calls when the write buffer is over its high-water mark
        try:
            return ws.send_now('[2,"x","Heartbeat",{}]')
        finally:
            ws.resume_writing()

    assert asyncio.run(_with_peer(peer, body)) is False


def test_a_connection_told_not_to_answer_pings_leaves_them_unanswered() -> None:
    answered: list[bool] = []

    async def peer(ws: ServerConnection) -> None:
        for _ in range(2):
            await ws.recv()  # the client has set whether it answers
            pong = await ws.ping()
            try:
                await asyncio.wait_for(pong, 0.5)
                answered.append(True)
            except TimeoutError:
                answered.append(False)
            await ws.send("next")
        await ws.wait_closed()

    async def body(ws: DirectClientConnection) -> None:
        got: list[str | bytes] = []
        ws.set_receiver(got.append)
        ws.answer_pings = False
        ws.send_now("ready")
        await _until(lambda: len(got) == 1)
        ws.answer_pings = True
        ws.send_now("ready")
        await _until(lambda: len(got) == 2)

    asyncio.run(_with_peer(peer, body))
    assert answered == [False, True]
