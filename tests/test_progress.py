"""Progress bars are text a saved notebook keeps, never a widget that needs a kernel."""

from dbn_course.course import outputs as notebook_output
from dbn_course.course import outputs as progress


def test_in_a_kernel_the_bar_is_one_text_output_updated_in_place(monkeypatch):
    events = []
    monkeypatch.setattr(notebook_output, "in_kernel", lambda: True)
    monkeypatch.setattr("IPython.display.publish_display_data",
                        lambda data, metadata=None, transient=None, update=False, **kw:
                        events.append((update, transient["display_id"], data)))
    with progress.progress_bar(total=30, desc="training", unit="batch") as bar:
        for _ in range(3):
            bar.update(10)
    assert events and not events[0][0] and all(update for update, _, _ in events[1:])
    assert len({display_id for _, display_id, _ in events}) == 1
    assert all(set(data) == {"text/plain"} for _, _, data in events)
    last = events[-1][2]["text/plain"]
    assert last.startswith("training: 100%") and "30/30" in last


def test_outside_a_kernel_it_is_tqdms_line_and_publishes_nothing(monkeypatch, capsys):
    published = []
    monkeypatch.setattr(notebook_output, "publish", lambda *args, **kwargs: published.append(args))
    with progress.progress_bar(total=2, desc="training", unit="batch") as bar:
        bar.update(2)
    assert not published and "2/2" in capsys.readouterr().err


def test_a_disabled_bar_shows_nothing(monkeypatch):
    published = []
    monkeypatch.setattr(notebook_output, "in_kernel", lambda: True)
    monkeypatch.setattr(notebook_output, "publish", lambda *args, **kwargs: published.append(args))
    with progress.progress_bar(total=2, disable=True) as bar:
        bar.update(2)
    assert not published
