"""Writing a confirmed import: every chosen rating in one transaction, through ratings_upsert_many."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import Movie
from ratings.history_import.matching import AMBIGUOUS, MATCHED
from ratings.models import HistoryImport
from ratings.services import ratings_upsert_many


def choices_validate(entries: list[dict], choices: dict[int, int | None]) -> dict[int, int | None]:
    """Check each choice names an ambiguous line and one of its candidates (None: skip the line)."""
    offered = {e["line"]: {c[0] for c in e["candidates"]} for e in entries if e["status"] == AMBIGUOUS}
    errors = []
    for line, film_id in choices.items():
        if line not in offered:
            errors.append(f"Line {line} has no choice to make.")
        elif film_id is not None and film_id not in offered[line]:
            errors.append(f"Line {line}: film {film_id} was not one of the films offered.")
    if errors:
        raise ValidationError({"choices": errors})
    return choices


def ratings_chosen(entries: list[dict], choices: dict[int, int | None]) -> dict[int, dict]:
    """Film id → the entry whose stars it gets: matched lines and chosen ambiguous ones, the latest per film."""
    chosen: dict[int, dict] = {}
    for entry in entries:
        film_id = entry["movie"] if entry["status"] == MATCHED else None
        if entry["status"] == AMBIGUOUS:
            film_id = choices.get(entry["line"])
        if film_id is None:
            continue
        current = chosen.get(film_id)
        if current is None or (entry["rated_on"] or "", entry["line"]) > (current["rated_on"] or "", current["line"]):
            chosen[film_id] = entry
    return chosen


def _rated_at(rated_on: str | None) -> datetime | None:
    # Midday UTC keeps the file's date the same in every time zone people are likely to be in.
    return datetime.combine(date.fromisoformat(rated_on), time(12), tzinfo=UTC) if rated_on else None


def history_import_confirm(*, user, import_id, choices: dict[int, int | None]) -> dict:
    """Write the import's ratings (the file's stars replace different ones); confirming twice writes nothing.

    Returns the outcome counts: created, changed, unchanged (already rated with the same stars),
    missing (films deleted since the preview) and already_confirmed.
    """
    with transaction.atomic():
        pending = HistoryImport.objects.select_for_update().get(pk=import_id, user=user)
        if pending.confirmed_at is not None:
            return {**pending.outcome, "already_confirmed": True}
        chosen = ratings_chosen(pending.entries, choices_validate(pending.entries, choices))
        movies = Movie.objects.in_bulk(list(chosen))
        outcome = ratings_upsert_many(user=user, scores=[
            (movies[film_id], entry["score"], _rated_at(entry["rated_on"]))
            for film_id, entry in chosen.items() if film_id in movies
        ])
        outcome["missing"] = len(chosen) - len(movies)
        pending.confirmed_at, pending.outcome = timezone.now(), outcome
        pending.save(update_fields=["confirmed_at", "outcome"])
    return {**outcome, "already_confirmed": False}
