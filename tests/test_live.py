"""Background runs: one at a time, stoppable, failures reported rather than raised."""

import threading

import pytest

from dbn_course import live


def test_a_background_run_returns_at_once_and_stops_on_request():
    started, finished = threading.Event(), []
    run = live.TrainingRun(on_finish=lambda error, stopped: finished.append((error, stopped)))

    def work(stop_event):
        started.set()
        assert stop_event.wait(30), "never asked to stop"

    assert run.start(work, background=True)
    assert started.wait(30) and run.running
    assert not run.start(work, background=True)  # one run at a time
    run.request_stop()
    assert run.wait(30) and not run.running
    assert finished == [(None, True)] and run.stopped


def test_a_foreground_run_finishes_before_start_returns():
    seen = []
    run = live.TrainingRun()
    assert run.start(lambda stop_event: seen.append(stop_event.is_set()), background=False)
    assert seen == [False] and not run.running and not run.stopped


def test_an_error_is_kept_and_reported_not_raised():
    reports = []
    run = live.TrainingRun(on_finish=lambda error, stopped: reports.append(error))

    def fail(stop_event):
        raise ValueError("learning rate too high")

    run.start(fail, background=True)
    assert run.wait(30)
    assert isinstance(run.error, ValueError) and reports == [run.error]
    assert run.start(lambda stop_event: None, background=False) and run.error is None  # a new run starts clean


def test_stop_requests_without_a_run_are_ignored():
    run = live.TrainingRun()
    run.request_stop()
    seen = []
    run.start(lambda stop_event: seen.append(stop_event.is_set()), background=False)
    assert seen == [False]


@pytest.mark.parametrize("interval, times, expected", [
    (1.0, [0.0, 0.5, 0.99, 1.0, 1.5, 2.1], [True, False, False, True, False, True]),
    (0.0, [0.0, 0.0, 0.0], [True, True, True]),
])
def test_throttle(interval, times, expected):
    clock = iter(times)
    throttle = live.Throttle(interval, clock=lambda: next(clock))
    assert [throttle.ready() for _ in times] == expected
