"""A program that records a session and then waits to be killed: `python recording_child.py DB FRAMES`.

It prints the session id once FRAMES frames are committed, then keeps its recorder running.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # for conftest, imported next

from conftest import make_frames

from ocpplab_desktop.model.events import EventBus
from ocpplab_desktop.store.recorder import SessionRecorder
from ocpplab_desktop.store.store import Store


def main(db: str, count: int) -> None:
    store = Store(db)
    session_id = store.start_session("killed later")
    bus = EventBus()
    recorder = SessionRecorder(store, bus, session_id)
    for frame in make_frames(count, "CHILD", start=time.time() - count):
        bus.publish(frame)
    recorder.flush()
    print(session_id, flush=True)
    time.sleep(600)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
