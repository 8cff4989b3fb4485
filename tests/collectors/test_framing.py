"""RFC 6587 framing: both framings, every chunk boundary, oversized messages."""

from __future__ import annotations

import random

import pytest

from collectors.framing import Frame, Framer, Mode


def frame_all(chunks: list[bytes], max_size: int = 1024) -> list[Frame]:
    framer = Framer(max_size)
    out: list[Frame] = []
    for chunk in chunks:
        out.extend(framer.feed(chunk))
    out.extend(framer.flush())
    return out


def data_of(frames: list[Frame]) -> list[bytes]:
    return [f.data for f in frames]


def test_lf_crlf_and_nul_terminators_all_end_a_message() -> None:
    stream = b"<13>one\n<13>two\r\n<13>three\x00<13>four\n"
    assert data_of(frame_all([stream])) == [b"<13>one", b"<13>two", b"<13>three", b"<13>four"]


def test_empty_lines_are_not_messages() -> None:
    assert data_of(frame_all([b"\n\r\n<1>a\n\n\x00<1>b\n"])) == [b"<1>a", b"<1>b"]


def test_partial_line_waits_for_its_terminator() -> None:
    framer = Framer()
    assert framer.feed(b"<13>hal") == []
    assert data_of(framer.feed(b"f\n<13>next")) == [b"<13>half"]
    assert data_of(framer.feed(b"\n")) == [b"<13>next"]


def test_octet_counting_is_detected_from_the_first_byte() -> None:
    msg1, msg2 = b"<34>1 2024-01-01T00:00:00Z h a - - - line\nwith newline", b"<13>x"
    stream = b"%d %s%d %s" % (len(msg1), msg1, len(msg2), msg2)
    framer = Framer()
    frames = framer.feed(stream)
    assert framer.mode is Mode.OCTET_COUNTING
    # An LF inside a counted message is part of it, not a terminator.
    assert data_of(frames) == [msg1, msg2]


def test_octet_counting_tolerates_newlines_between_frames() -> None:
    assert data_of(frame_all([b"3 abc\n4 defg\r\n"])) == [b"abc", b"defg"]


@pytest.mark.parametrize("octet", [False, True])
def test_every_split_point_gives_the_same_frames(octet: bool) -> None:
    messages = [b"<13>Dec 10 06:55:46 LabSZ sshd[24200]: msg %d" % i for i in range(30)]
    if octet:
        stream = b"".join(b"%d %s" % (len(m), m) for m in messages)
    else:
        stream = b"".join(m + (b"\r\n" if i % 2 else b"\n") for i, m in enumerate(messages))
    for cut in range(1, len(stream)):
        assert data_of(frame_all([stream[:cut], stream[cut:]])) == messages, cut
    rng = random.Random(7)
    for _ in range(50):
        cuts = sorted(rng.sample(range(1, len(stream)), 12))
        chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
        assert data_of(frame_all(chunks)) == messages
    one_by_one = [stream[i : i + 1] for i in range(len(stream))]
    assert data_of(frame_all(one_by_one)) == messages


def test_oversized_lf_message_is_truncated_and_flagged_not_dropped() -> None:
    big = b"<13>" + b"x" * 5000
    chunks = [big[i : i + 700] for i in range(0, len(big), 700)] + [b"\n<13>after\n"]
    frames = frame_all(chunks, max_size=1024)
    assert [f.truncated for f in frames] == [True, False]
    assert frames[0].data == big[:1024]
    assert frames[0].size == len(big)
    assert frames[1].data == b"<13>after"


def test_oversized_counted_message_is_truncated_and_the_next_frame_intact() -> None:
    big = b"<13>" + b"y" * 3000
    stream = b"%d %s5 <1>ok" % (len(big), big)
    for cut in (10, 1030, 2000, len(stream) - 3):
        frames = frame_all([stream[:cut], stream[cut:]], max_size=1024)
        assert [(f.data, f.truncated, f.size) for f in frames] == [
            (big[:1024], True, len(big)),
            (b"<1>ok", False, 5),
        ]


def test_digit_first_line_without_length_prefix_falls_back_to_lf() -> None:
    frames = frame_all([b"2024-01-01 10:00:00 host app: started\n2024-01-01 second\n"])
    assert data_of(frames) == [b"2024-01-01 10:00:00 host app: started", b"2024-01-01 second"]


def test_flush_keeps_a_last_message_without_terminator() -> None:
    assert data_of(frame_all([b"<13>a\n<13>last"])) == [b"<13>a", b"<13>last"]


def test_a_line_end_inside_an_octet_count_is_not_part_of_the_message() -> None:
    # rsyslog's RSYSLOG_SyslogProtocol23Format over octet-counted TCP
    framer = Framer(1024)
    frames = framer.feed(b"7 <13>a\r\n6 <13>b\n5 <13>c")
    assert [f.data for f in frames] == [b"<13>a", b"<13>b", b"<13>c"]
