import nbformat
import numpy as np
import pytest
import run_notebooks

from dbn_course.course import notebook


def test_records_round_trip_through_a_notebook():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    for name, value in [("count", np.int64(3)), ("mean", np.float32(0.5)), ("grid", np.eye(2)), ("label", "a")]:
        payload = {"name": name, "value": notebook._jsonable(value)}
        cell.outputs.append(nbformat.v4.new_output("display_data", data={notebook.RECORD_MIMETYPE: payload}))
    nb.cells.append(cell)
    assert run_notebooks.read_records(nb) == {"count": 3, "mean": 0.5, "grid": [[1.0, 0.0], [0.0, 1.0]], "label": "a"}


def test_unrecordable_values_are_refused():
    with pytest.raises(TypeError, match="object"):
        notebook._jsonable(object())


def test_describe_setup_names_the_data():
    text = notebook.describe_setup()
    assert "TensorFlow" in text and "Data: " in text and "Run mode: quick" in text


def test_a_notebook_run_in_place_keeps_its_own_parameters(tmp_path):
    """Committed chapters show their defaults: parameters go only into an executed copy."""
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), path)
    with pytest.raises(ValueError, match="in place keeps its own parameters"):
        run_notebooks.execute_notebook(path, parameters={"num_epochs": 1})


def test_a_notebook_run_in_place_keeps_no_papermill_metadata():
    nb = nbformat.v4.new_notebook(metadata={"papermill": {"duration": 1.0}, "language_info": {"name": "python"}})
    tagged = nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"], "papermill": {"status": "completed"}})
    untagged = nbformat.v4.new_code_cell("x", metadata={"tags": [], "papermill": {}, "mystnb": {"image": {"alt": "A."}}})
    nb.cells += [tagged, untagged]
    run_notebooks._strip_papermill(nb)
    assert nb.metadata == {"language_info": {"name": "python"}}
    assert tagged.metadata == {"tags": ["parameters"]}
    assert untagged.metadata == {"mystnb": {"image": {"alt": "A."}}}
