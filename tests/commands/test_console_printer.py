"""The console printer of `ocpplab csms`: one line per frame, cut when long, and never a wait for its reader."""

from __future__ import annotations

import threading

from ocpplab_desktop.commands.console import ConsolePrinter
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side


def frame(number: int, raw: str | None = None, *, to_csms: bool = True, error: str | None = None) -> Frame:
    return Frame(
        seq=number,
        wall_time=0.0,
        mono_time=0.0,
        station_id="CP-1",
        side=Side.CSMS,
        direction=Direction.TO_CSMS if to_csms else Direction.TO_STATION,
        message_type=MessageType.CALL,
        unique_id=str(number),
        action="Heartbeat",
        raw=raw if raw is not None else f'[2,"{number}","Heartbeat",{{}}]',
        error=error,
    )


class Reader:
    """The other end of the pipe: takes what is written, a little at a time, once it is let go."""

    def __init__(self, *, chunk: int = 1 << 16, waiting: bool = False) -> None:
        self.data = bytearray()
        self.chunk = chunk
        self.go = threading.Event()
        if not waiting:
            self.go.set()

    def write(self, data: memoryview) -> int:
        self.go.wait()
        taken = bytes(data[: self.chunk])
        self.data += taken
        return len(taken)

    def lines(self) -> list[str]:
        return self.data.decode().splitlines()


def test_one_line_per_frame_with_station_direction_and_the_problem_of_a_bad_frame() -> None:
    reader = Reader()
    printer = ConsolePrinter(write=reader.write)
    printer.start()
    printer.say("mock CSMS listening")
    printer(frame(1))
    printer(frame(2, '[3,"1",{"currentTime":"x"}]', to_csms=False))
    printer(frame(3, '[2,"3","Heartbeat",\n{}]', error="FormationViolation: not JSON"))
    printer("not a frame")
    assert printer.close(timeout=30)
    assert reader.lines() == [
        "mock CSMS listening",
        'CP-1             -> [2,"1","Heartbeat",{}]',
        'CP-1             <- [3,"1",{"currentTime":"x"}]',
        'CP-1             -> [2,"3","Heartbeat",\\n{}]  !! FormationViolation: not JSON',
    ]


def test_a_one_megabyte_frame_is_cut_to_the_line_length_with_its_size() -> None:
    reader = Reader()
    printer = ConsolePrinter(write=reader.write, max_chars=200)
    printer.start()
    huge = '[2,"1","DataTransfer",{"vendorId":"x","data":"' + "a" * 1_000_000 + '"}]'
    printer(frame(1, huge))
    assert printer.close(timeout=30)
    (line,) = reader.lines()
    assert line.startswith('CP-1             -> [2,"1","DataTransfer"')
    assert line.endswith(f"... [{len(huge):,} characters, the database has the whole frame]")
    assert len(line) < 300


def test_a_reader_that_does_not_read_costs_console_lines_counted_in_their_place_never_a_wait() -> None:
    reader = Reader(chunk=100, waiting=True)  # a full pipe: the writer blocks until the reader goes on
    printer = ConsolePrinter(write=reader.write, capacity=50)
    printer.start()
    published = 5_000
    for number in range(published):
        printer(frame(number))  # returns at once although nothing can be written
    assert printer.dropped > 0
    reader.go.set()
    assert printer.close(timeout=30)

    # Every frame is either on its line or in the count that stands in its place, in order.
    expected = counted = 0
    for line in reader.lines():
        if "not shown" in line:
            assert line.endswith(
                "frames not shown: the console's reader was too slow (the session database has every frame)"
            )
            count = int(line.split()[1].replace(",", ""))
            expected += count
            counted += count
        else:
            assert line.split('"')[1] == str(expected)
            expected += 1
    assert expected == published
    assert counted == printer.dropped > 0


def test_frames_dropped_between_frames_shown_are_counted_where_they_were() -> None:
    reader = Reader(waiting=True)
    printer = ConsolePrinter(write=reader.write, capacity=3)
    for number in range(5):  # the writer is not started: three wait, two are dropped
        printer(frame(number))
    printer._queue.get_nowait()  # the reader took one: room for the count and nothing more
    printer._queue.get_nowait()
    printer(frame(5))  # the count goes in first, then this frame
    reader.go.set()
    printer.start()
    assert printer.close(timeout=30)
    assert [line.split()[-1] if "not shown" not in line else "dropped" for line in reader.lines()] == [
        '[2,"2","Heartbeat",{}]',
        "dropped",
        '[2,"5","Heartbeat",{}]',
    ]
    assert "... 2 frames not shown" in reader.lines()[1]


def test_a_reader_that_went_away_ends_the_console_and_nothing_else() -> None:
    def closed_pipe(_data: memoryview) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    printer = ConsolePrinter(write=closed_pipe)
    printer.start()
    for number in range(2_000):
        printer(frame(number))
    assert printer.close(timeout=30) is False
