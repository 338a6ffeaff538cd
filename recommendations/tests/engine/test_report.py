from __future__ import annotations

import json

import pandas as pd

from recommendations.engine.report import dataset_summary, format_table, write_report

RESULTS = {
    "rating": {"kfold": {"svd": {"rmse": 0.91, "mae": 0.72, "fit_seconds": 2.5}}},
    "ranking": {"holdout": {
        "ease": {"ndcg": 0.37, "precision": 0.26, "recall": 0.29, "map": 0.24, "hit_rate": 0.88, "coverage": 0.19,
                 "novelty": 57.4, "fit_seconds": 3.1, "recommend_ms": 0.8,
                 "by_activity": {"10-29": {"ndcg": 0.3, "users": 5}, "30-99": {"ndcg": 0.4, "users": 9}}},
    }},
}
RATINGS = pd.DataFrame({"user_id": [1, 1, 2, 3], "movie_id": [10, 20, 10, 10], "score": [4.0, 3.5, 5.0, 1.0]})


def test_it_prints_one_aligned_table_per_protocol():
    table = format_table(RESULTS)
    assert "[rating: kfold]" in table and "[ranking: holdout]" in table
    assert "svd" in table and "0.9100" in table and "57.4" in table


def test_it_summarises_the_data():
    summary = dataset_summary(RATINGS)
    assert summary["ratings"] == 4 and summary["users"] == 3 and summary["movies"] == 2
    assert summary["density"] == 4 / 6
    assert summary["stars"] == {"1": 1, "3.5": 1, "4": 1, "5": 1}


def test_it_writes_json_and_a_self_contained_html_page_with_plots(tmp_path):
    json_path, html_path = write_report(RESULTS, RATINGS, tmp_path / "out", title="Quality", meta={"dataset": "x"})
    document = json.loads(json_path.read_text())
    assert document["results"]["rating"]["kfold"]["svd"]["rmse"] == 0.91
    assert document["meta"] == {"dataset": "x"}
    page = html_path.read_text()
    assert page.count("data:image/png;base64,") == 5  # stars, long tail, RMSE, ranking, by activity
    assert "<table>" in page and "http" not in page  # nothing to fetch: works offline
