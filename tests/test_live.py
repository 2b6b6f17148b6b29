"""Background runs: one at a time, stoppable, failures reported rather than raised."""

import threading

import pytest

from dbn_course.course.widgets import base as live


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


def test_throttle_waits_the_interval_from_the_start_and_between_drawings():
    now = [0.0]
    throttle = live.Throttle(1.0, clock=lambda: now[0])
    seen = []
    for now[0] in (0.0, 0.5, 0.99, 1.0):
        seen.append(throttle.ready())
    assert seen == [False, False, False, True]
    with throttle.drawing():
        now[0] = 1.1  # a drawing of 0.1 s
    assert [throttle.ready() for now[0] in (1.5, 2.09, 2.1)] == [False, False, True]


def test_throttle_keeps_drawing_within_its_share_of_the_time():
    now = [0.0]
    throttle = live.Throttle(interval=1.0, share=0.2, clock=lambda: now[0])
    drawn = 0.0
    while now[0] < 100:
        if throttle.ready():
            with throttle.drawing():
                now[0] += 0.5  # each drawing takes half a second, longer than the interval allows
                drawn += 0.5
        now[0] += 0.05  # an epoch of training
    assert drawn / now[0] <= 0.2 + 0.01
    assert drawn / now[0] > 0.15  # and it does draw, as often as the share allows


def test_throttle_refuses_a_share_outside_0_to_1():
    with pytest.raises(ValueError, match="share"):
        live.Throttle(1.0, share=0)


def test_stopping_other_runs_keeps_the_reason_and_spares_the_caller():
    mine, other = live.TrainingRun(), live.TrainingRun()
    started = threading.Event()

    def work(stop_event):
        started.set()
        assert stop_event.wait(30)

    other.start(work, background=True)
    mine.start(lambda stop_event: None, background=False)
    assert started.wait(30)
    live.stop_other_runs(mine, "a new panel was created")
    assert not other.running and other.stopped and other.stop_reason == "a new panel was created"
    assert mine.stop_reason is None


def test_a_known_drawing_cost_holds_back_the_first_drawing():
    now = [0.0]
    throttle = live.Throttle(interval=1.0, share=0.2, clock=lambda: now[0], cost=0.5)
    assert [throttle.ready() for now[0] in (1.0, 1.99, 2.0)] == [False, False, True]  # 0.5 s x 4, not 1 s
