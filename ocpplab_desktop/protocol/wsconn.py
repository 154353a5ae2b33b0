"""websockets connections that hand over each message by callback and write without a coroutine.

websockets' asyncio connection delivers a message through an assembler that a reading task
awaits, and sends through an async context manager: two task wake-ups and a few coroutines per
frame. A fleet exchanges thousands of small frames a second, so the endpoint uses these
subclasses instead: the connection (an `asyncio.Protocol`) calls `receiver(message)` from
`data_received` for every complete message, in order, and `send_now(text)` writes a frame
straight to the transport. Everything else (the handshake, pings and pongs, the closing
handshake, limits, UTF-8) stays websockets' own.

`send_now` declines (returns False) when the connection is not open or the transport is
paused for flow control; the caller then sends through the ordinary awaited `send`, which
waits for the buffer to drain. Messages that arrive before a receiver is set are kept and
handed over, in order, when it is.
"""

from __future__ import annotations

import contextlib
import socket
import struct
from collections import deque
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.asyncio.server import ServerConnection
from websockets.frames import BINARY, CONT, PONG, TEXT, CloseCode, Frame
from websockets.protocol import OPEN

Receiver = Callable[[str | bytes], None]


class _Direct:
    """The mixin: `set_receiver`, `send_now` and the message hand-over."""

    # Declared by websockets' Connection; repeated here for type checkers.
    protocol: Any
    transport: Any
    paused: bool

    def _direct_init(self) -> None:
        self.answer_pings = True
        """False: pings are left unanswered (a fault injected to test the peer's keep-alive)."""
        send_frame = self.protocol.send_frame

        def send_frame_unless_silenced(frame: Frame) -> None:
            if frame.opcode is PONG and not self.answer_pings:
                return
            send_frame(frame)

        self.protocol.send_frame = send_frame_unless_silenced
        self._receiver: Receiver | None = None
        self._early: deque[str | bytes] = deque()
        self._fragments: list[bytes] = []
        self._fragmented_text = False

    def set_receiver(self, receiver: Receiver | None) -> None:
        """Hand every message to `receiver` from now on (first those that arrived before)."""
        self._receiver = receiver
        while receiver is not None and self._early and self._receiver is receiver:
            receiver(self._early.popleft())

    def send_now(self, text: str) -> bool:
        """Write one text frame now; False (nothing written) when the awaited `send` must do it."""
        if self.protocol.state is not OPEN or self.paused or self._sending_fragments():
            return False
        self.protocol.send_text(text.encode())
        try:
            for data in self.protocol.data_to_send():
                self.transport.write(data)
        except Exception:
            # As websockets does when a write fails: end the connection; the reader sees the close.
            self.transport.abort()
        return True

    def abort(self) -> None:
        """End the TCP connection at once with a reset: no close frame, no FIN (power loss, a pulled cable)."""
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()

    def _sending_fragments(self) -> bool:
        # An awaited `send` of a fragmented message is under way (the name changed across versions).
        return (
            getattr(self, "send_in_progress", None) is not None
            or getattr(self, "fragmented_send_waiter", None) is not None
        )

    def _data_frame(self, frame: Frame) -> bool:
        """Take a data frame; False when it is not a data frame (websockets handles it)."""
        if frame.opcode is TEXT or frame.opcode is BINARY:
            if not frame.fin:
                self._fragments = [bytes(frame.data)]
                self._fragmented_text = frame.opcode is TEXT
                return True
            self._deliver(frame.opcode is TEXT, bytes(frame.data))
            return True
        if frame.opcode is CONT:
            self._fragments.append(bytes(frame.data))
            if frame.fin:
                data, self._fragments = b"".join(self._fragments), []
                self._deliver(self._fragmented_text, data)
            return True
        return False

    def _deliver(self, text: bool, data: bytes) -> None:
        message: str | bytes = data
        if text:
            try:
                message = data.decode()
            except UnicodeDecodeError as exc:
                # RFC 6455 section 8.1: a text frame that is not UTF-8 fails the connection (1007).
                self.protocol.fail(CloseCode.INVALID_DATA, f"{exc.reason} at position {exc.start}")
                for out in self.protocol.data_to_send():
                    if out:
                        self.transport.write(out)
                return
        if self._receiver is None:
            self._early.append(message)
        else:
            self._receiver(message)


class DirectClientConnection(_Direct, ClientConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._direct_init()

    def process_event(self, event: Any) -> None:
        if self.response is None or not isinstance(event, Frame) or not self._data_frame(event):
            super().process_event(event)


class DirectServerConnection(_Direct, ServerConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._direct_init()

    def process_event(self, event: Any) -> None:
        if self.request is None or not isinstance(event, Frame) or not self._data_frame(event):
            super().process_event(event)
