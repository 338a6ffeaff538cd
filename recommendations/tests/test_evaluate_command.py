from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from recommendations.models import ModelVersion
from recommendations.tests.engine.conftest import hybrid_ratings, taste_movies


def write_movielens_csv(folder: Path) -> Path:
    """A tiny dataset in ml-latest-small's layout: the engine tests' two tastes, four times over."""
    folder.mkdir()
    frame = hybrid_ratings()
    lines = ["userId,movieId,rating,timestamp"]
    for copy in range(4):
        lines += [f"{u + 1000 * copy},{m},{s:g},{1_000_000 + i}"
                  for i, (u, m, s) in enumerate(frame[["user_id", "movie_id", "score"]].itertuples(index=False))]
    (folder / "ratings.csv").write_text("\n".join(lines) + "\n")
    catalogue = taste_movies()
    (folder / "movies.csv").write_text("movieId,title,genres\n" + "".join(
        f"{m},{t} (1999),{'|'.join(g)}\n" for m, t, g in catalogue.itertuples(index=False)))
    (folder / "links.csv").write_text("movieId,imdbId,tmdbId\n1,114709,862\n")
    (folder / "tags.csv").write_text("userId,movieId,tag,timestamp\n1,1,space,1000000\n")
    return folder


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("evaluate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_it_evaluates_a_dataset_prints_a_table_writes_the_report_and_records_it(tmp_path):
    active = ModelVersion.objects.create(status=ModelVersion.Status.ACTIVE, metrics={"holdout": {"rmse": 0.9}})
    source = write_movielens_csv(tmp_path / "ml-latest-small")
    out, _ = run("--dataset", "ml-latest-small", "--path", str(source), "--protocol", "kfold,holdout",
                 "--algorithms", "svd,popularity,ease,hybrid", "--output", str(tmp_path / "report"))
    assert "[rating: kfold]" in out and "[ranking: holdout]" in out
    assert "hybrid" in out and f"Recorded on model version {active.pk}" in out
    document = json.loads((tmp_path / "report" / "evaluation.json").read_text())
    assert document["meta"]["dataset"] == "ml-latest-small"
    assert set(document["results"]["ranking"]["holdout"]) == {"popularity", "ease", "hybrid"}
    assert "data:image/png" in (tmp_path / "report" / "evaluation.html").read_text()
    active.refresh_from_db()
    assert active.metrics["holdout"] == {"rmse": 0.9}  # what was there stays
    assert active.metrics["evaluation"]["results"]["rating"]["kfold"]["svd"]["rmse"] > 0


def test_it_still_finishes_with_its_report_when_the_database_is_not_migrated(tmp_path, monkeypatch):
    # `make bench-quality` on a fresh checkout: no migrated database to record the run on.
    def unmigrated(**lookups):
        raise OperationalError("no such table: recommendations_modelversion")

    monkeypatch.setattr(ModelVersion.objects, "filter", unmigrated)
    source = write_movielens_csv(tmp_path / "ml-latest-small")
    out, err = run("--dataset", "ml-latest-small", "--path", str(source), "--protocol", "holdout",
                   "--algorithms", "popularity", "--output", str(tmp_path / "report"))
    assert "[ranking: holdout]" in out and "Report:" in out
    assert "Not recorded on a model version" in err
    assert (tmp_path / "report" / "evaluation.json").exists()


def test_it_evaluates_the_sites_own_ratings(taste_catalog, tmp_path):
    out, _ = run("--from-db", "--protocol", "holdout", "--algorithms", "popularity,ease,hybrid",
                 "--output", str(tmp_path), "--no-attach")
    assert "[ranking: holdout]" in out
    assert json.loads((tmp_path / "evaluation.json").read_text())["meta"]["dataset"] == "database"


@pytest.mark.django_db
def test_it_refuses_an_empty_database(tmp_path):
    with pytest.raises(CommandError, match="no ratings"):
        run("--from-db", "--output", str(tmp_path))


@pytest.mark.django_db
def test_it_refuses_the_ml100k_folds_for_another_dataset(tmp_path):
    with pytest.raises(CommandError, match="u1-u5"):
        run("--dataset", "ml-latest-small", "--path", str(tmp_path), "--protocol", "u1-u5")


@pytest.mark.django_db
def test_it_refuses_unknown_protocols(tmp_path):
    with pytest.raises(CommandError, match="unknown protocol"):
        run("--dataset", "ml-100k", "--path", str(tmp_path), "--protocol", "tea-leaves")
