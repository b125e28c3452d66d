"""The export line: files made when asked, at most a few at once, the rest waiting in a bounded
line, each told where it is, and every request ending in a file or a message."""

import threading
import time

import pytest

from gru_viz.app.exports import (
    DONE,
    FAILED,
    MAKING,
    QUEUED,
    ExportJob,
    ExportLine,
    ExportRefused,
    job_words,
)


def wait(jobs, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while any(job.live for job in jobs):
        assert time.monotonic() < deadline, [job.state for job in jobs]
        time.sleep(0.01)


class Drawing:
    """A stand-in for kaleido: counts how many draw at once, and holds them until released."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.go = threading.Event()

    def __call__(self) -> bytes:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        self.go.wait(10)
        with self.lock:
            self.now -= 1
        return b"<svg/>"


def test_thirty_requests_at_once_are_made_two_at_a_time_and_all_arrive():
    line, draw = ExportLine(drawing=2, waiting=32), Drawing()
    jobs = [line.submit(ExportJob(draw, "the SVG")) for _ in range(30)]
    deadline = time.monotonic() + 5
    while line.making < 2:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert [job.state for job in jobs[:2]] == [MAKING, MAKING]
    assert all(job.state == QUEUED for job in jobs[2:])
    assert [line.place(job) for job in jobs[2:5]] == [1, 2, 3]
    assert "27 ahead of it in line" in job_words(jobs[-1], line)
    assert "makes 2 at a time, at most 32 waiting" in job_words(jobs[-1], line)
    draw.go.set()
    wait(jobs)
    assert draw.most == 2 and line.peak_making == 2
    assert all(job.state == DONE and job.data == b"<svg/>" for job in jobs)


def test_a_full_line_refuses_at_once_and_names_its_limit():
    line, draw = ExportLine(drawing=1, waiting=3), Drawing()
    jobs = [line.submit(ExportJob(draw, "the SVG"))]
    deadline = time.monotonic() + 5
    while line.making < 1:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    jobs += [line.submit(ExportJob(draw, "the SVG")) for _ in range(3)]
    full = r"the most it keeps in line \(3; it makes 1 at a time\)"
    with pytest.raises(ExportRefused, match=full):
        line.submit(ExportJob(draw, "the SVG"))
    draw.go.set()
    wait(jobs)
    assert all(job.state == DONE for job in jobs)
    line.submit(ExportJob(draw, "the SVG"))  # room again


def test_a_failure_and_a_page_gone_end_in_a_message_not_a_file():
    line, draw = ExportLine(drawing=1, waiting=8), Drawing()

    def broken() -> bytes:
        raise RuntimeError("Chromium could not draw the figure: crashed\nstack ...")

    first = line.submit(ExportJob(draw, "the SVG"))
    gone = line.submit(ExportJob(draw, "the SVG", alive=lambda: False))
    failing = line.submit(ExportJob(broken, "the SVG"))
    draw.go.set()
    wait([first, gone, failing])
    assert first.state == DONE
    assert gone.state == FAILED and gone.data is None and "gone" in gone.error
    assert failing.state == FAILED
    assert failing.error == "Chromium could not draw the figure: crashed"  # its first line
    assert job_words(failing, line).startswith("Could not make the SVG: Chromium")


def test_a_request_that_waited_too_long_is_given_up_with_a_message():
    line, draw = ExportLine(drawing=1, waiting=8, max_wait=0.05), Drawing()
    first = line.submit(ExportJob(draw, "the SVG"))
    late = line.submit(ExportJob(draw, "the animation"))
    time.sleep(0.2)
    draw.go.set()
    wait([first, late])
    assert first.state == DONE and late.state == FAILED
    assert "waited more than 0 s for its turn" in late.error


def test_a_busy_line_keeps_one_session_open_and_closes_it_when_idle():
    opened: list[str] = []

    class Browser:  # a stand-in for gru_viz.export.kept_browser
        def __enter__(self):
            opened.append("open")

        def __exit__(self, *exc):
            opened.append("closed")

    line = ExportLine(drawing=1, waiting=8, session=Browser, idle=0.2)
    jobs = [line.submit(ExportJob(lambda: b"<svg/>", "the SVG")) for _ in range(5)]
    wait(jobs)
    deadline = time.monotonic() + 5
    while opened[-1:] != ["closed"]:
        assert time.monotonic() < deadline, opened
        time.sleep(0.01)
    assert opened == ["open", "closed"]  # one browser for the five
    wait([line.submit(ExportJob(lambda: b"<svg/>", "the SVG"))])
    assert opened[:3] == ["open", "closed", "open"]  # opened again for later work


def test_the_session_opens_only_for_a_job_that_needs_it():
    opened: list[str] = []

    class Browser:
        def __enter__(self):
            opened.append("open")

        def __exit__(self, *exc):
            opened.append("closed")

    line = ExportLine(drawing=1, waiting=8, session=Browser, idle=0.2)
    html = line.submit(ExportJob(lambda: b"<html/>", "the animation", needs_session=False))
    wait([html])
    time.sleep(0.4)
    assert html.state == DONE and opened == []  # no browser for an HTML file
