from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from recommendations.engine.arrays import (
    artifact_checksum,
    id_rows,
    load_arrays,
    min_max_part,
    one_blas_thread,
    save_arrays,
)


def test_it_finds_rows_of_known_ids_and_flags_unknown_ones():
    rows, known = id_rows(np.array([10, 20, 30]), np.array([30, 5, 10, 99, 20]))
    assert known.tolist() == [True, False, True, False, True]
    assert rows[known].tolist() == [2, 0, 1]


def test_it_knows_no_id_of_an_empty_model():
    rows, known = id_rows(np.array([], dtype=np.int64), np.array([1, 2]))
    assert not known.any()
    assert rows.tolist() == [0, 0]


def test_it_round_trips_arrays_and_meta(tmp_path):
    save_arrays(tmp_path, {"a": np.arange(6.0).reshape(2, 3)}, {"format": "x"})
    arrays, meta = load_arrays(tmp_path, ["a"])
    assert isinstance(arrays["a"], np.memmap)
    assert arrays["a"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert meta == {"format": "x", "shapes": {"a": [2, 3]}}


def test_it_refuses_an_array_whose_shape_disagrees_with_meta(tmp_path):
    save_arrays(tmp_path, {"a": np.zeros(3)}, {})
    np.save(tmp_path / "a.npy", np.zeros(4))
    with pytest.raises(ValueError, match="shape"):
        load_arrays(tmp_path, ["a"])


def test_it_checksums_artifacts_by_content(tmp_path):
    for name in ("a", "b"):
        save_arrays(tmp_path / name, {"x": np.arange(3.0)}, {"v": 1})
    assert artifact_checksum(tmp_path / "a") == artifact_checksum(tmp_path / "b")
    assert len(artifact_checksum(tmp_path / "a")) == 64
    np.save(tmp_path / "b" / "x.npy", np.arange(3.0) + 1)
    assert artifact_checksum(tmp_path / "a") != artifact_checksum(tmp_path / "b")


def test_a_changed_file_in_a_sub_directory_changes_the_checksum(tmp_path):
    for name in ("a", "b"):
        save_arrays(tmp_path / name / "predictor", {"x": np.arange(3.0)}, {"v": 1})
    assert artifact_checksum(tmp_path / "a") == artifact_checksum(tmp_path / "b")
    np.save(tmp_path / "b" / "predictor" / "x.npy", np.arange(3.0) + 1)
    assert artifact_checksum(tmp_path / "a") != artifact_checksum(tmp_path / "b")


def test_it_checks_an_artifacts_kind_before_reading_arrays(tmp_path):
    from recommendations.engine.arrays import require_format

    save_arrays(tmp_path, {"a": np.zeros(2)}, {"format": "ease", "format_version": 1})
    assert require_format(tmp_path, "ease", 1)["format"] == "ease"
    with pytest.raises(ValueError, match="no hybrid"):
        require_format(tmp_path, "hybrid", 1)
    with pytest.raises(ValueError, match="meta.json"):
        require_format(tmp_path / "missing", "ease", 1)


def test_it_views_mapped_arrays_without_copying(tmp_path):
    from recommendations.engine.arrays import plain_views

    save_arrays(tmp_path, {"a": np.arange(4.0)}, {})
    views = plain_views(load_arrays(tmp_path, ["a"])[0])
    assert type(views["a"]) is np.ndarray
    assert isinstance(views["a"].base, np.memmap)


def test_it_lists_the_entries_of_some_csr_rows():
    from recommendations.engine.arrays import csr_segments

    owner, positions = csr_segments(np.array([0, 2, 2, 5]), np.array([2, 0, 1]))
    assert owner.tolist() == [0, 0, 0, 1, 1]
    assert positions.tolist() == [2, 3, 4, 0, 1]


def test_it_keeps_the_k_largest_positive_entries_per_row():
    from recommendations.engine.arrays import top_k_positive

    block = np.array([[0.0, 0.5, 0.9, -1.0], [0.2, 0.0, 0.0, 0.0]])
    rows, cols, values = top_k_positive(block, 2)
    assert list(zip(rows.tolist(), cols.tolist(), values.tolist(), strict=True)) == [
        (0, 2, 0.9), (0, 1, 0.5), (1, 0, 0.2)]
    dense = np.arange(1.0, 13.0).reshape(2, 6)  # mostly positive: the partitioning path
    rows, cols, _ = top_k_positive(dense, 2)
    assert list(zip(rows.tolist(), cols.tolist(), strict=True)) == [(0, 5), (0, 4), (1, 5), (1, 4)]


def test_a_signals_part_is_scaled_over_the_allowed_rows_with_nothing_for_unscored_ones():
    raw = np.array([1.0, np.nan, 3.0, 5.0, 9.0])
    allowed = np.array([True, True, True, True, False])
    part, scale, typical = min_max_part(raw, allowed, weight=2.0, n_allowed=4)
    assert scale == 0.5  # weight / (5 - 1): the disallowed 9 sets no bound
    assert part.tolist() == [0.0, 0.0, 1.0, 2.0, 4.0]
    assert typical == pytest.approx(part[allowed].mean())
    assert np.isnan(raw[1])  # the raw scores are left as they were


def test_a_signal_that_tells_no_allowed_rows_apart_has_no_part():
    allowed = np.array([True, True, False])
    assert min_max_part(np.array([2.0, 2.0, 7.0]), allowed, weight=1.0, n_allowed=2) is None
    assert min_max_part(np.array([np.nan, np.nan, 7.0]), allowed, weight=1.0, n_allowed=2) is None


def test_blas_runs_one_thread_inside_nested_limits_and_as_before_after_them():
    def blas_threads() -> list[int]:
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    before = blas_threads()
    with one_blas_thread():
        with one_blas_thread():
            assert set(blas_threads()) <= {1}
        assert set(blas_threads()) <= {1}  # the inner block leaves the outer limit in place
    assert blas_threads() == before
