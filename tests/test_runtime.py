import pytest

from dbn_course import runtime


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_cgroup_v2_quota(tmp_path):
    write(tmp_path / "cpu.max", "150000 100000\n")
    assert runtime.cpu_quota(tmp_path) == 1.5


def test_cgroup_v2_unlimited(tmp_path):
    write(tmp_path / "cpu.max", "max 100000\n")
    assert runtime.cpu_quota(tmp_path) is None


def test_cgroup_v1_quota_and_unlimited(tmp_path):
    write(tmp_path / "cpu" / "cpu.cfs_quota_us", "100000\n")
    write(tmp_path / "cpu" / "cpu.cfs_period_us", "100000\n")
    assert runtime.cpu_quota(tmp_path) == 1.0
    write(tmp_path / "cpu" / "cpu.cfs_quota_us", "-1\n")
    assert runtime.cpu_quota(tmp_path) is None


def test_no_cgroup_files(tmp_path):
    assert runtime.cpu_quota(tmp_path) is None


def test_available_cpus_is_capped_by_the_quota(tmp_path):
    write(tmp_path / "cpu.max", "100000 100000\n")  # Binder's one CPU
    assert runtime.available_cpus(tmp_path) == 1
    write(tmp_path / "cpu.max", "50000 100000\n")  # half a CPU still gets one thread
    assert runtime.available_cpus(tmp_path) == 1


def test_thread_count_from_the_environment(monkeypatch):
    monkeypatch.setenv(runtime.THREADS_ENV, "3")
    assert runtime.thread_count() == 3
    for bad in ("0", "-2", "two"):
        monkeypatch.setenv(runtime.THREADS_ENV, bad)
        with pytest.raises(ValueError, match=runtime.THREADS_ENV):
            runtime.thread_count()


def test_import_is_quiet_and_respects_the_thread_limit(fresh_import):
    printed, stderr = fresh_import
    assert (printed["intra_op_threads"], printed["inter_op_threads"], printed["matmul"]) == (1, 1, 64.0)
    assert stderr == "", f"importing dbn_course wrote to stderr:\n{stderr}"
