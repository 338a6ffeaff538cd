"""Turning an uploaded export into a stored preview: what each line would do, nothing rated yet.

Each line becomes one entry (a JSON dict kept on the HistoryImport row):
    line, title, year, score, rated_on ("YYYY-MM-DD" or None),
    status: "matched" | "ambiguous" | "unmatched" | "skipped",
    reason (why skipped), movie (matched film id), method ("imdb" | "title"),
    candidates ([[film id, score], ...] offered for an ambiguous line),
    previous (the viewer's current stars for the matched film, or None).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from catalog.models import Movie
from ratings.history_import.formats import ExportRow, parse_export
from ratings.history_import.matching import (
    AMBIGUOUS,
    MATCHED,
    UNMATCHED,
    CatalogueFilm,
    FilmMatcher,
    title_key,
)
from ratings.models import HistoryImport, Rating

SKIPPED = "skipped"
STALE_AFTER = timedelta(days=1)  # unconfirmed previews older than this are dropped


def catalogue_matcher(rows: Iterable[ExportRow]) -> FilmMatcher:
    """A matcher over the films these rows could be: their years ± 1 and their IMDb ids."""
    rows = list(rows)
    films = Movie.objects.order_by("pk")
    if all(row.year is not None for row in rows):
        years = {row.year + shift for row in rows for shift in (-1, 0, 1)}
        imdb_ids = {row.imdb_id for row in rows if row.imdb_id}
        films = films.filter(Q(year__in=years) | Q(year__isnull=True) | Q(imdb_id__in=imdb_ids))
    return FilmMatcher(CatalogueFilm(*values) for values in films.values_list("pk", "title", "year", "imdb_id"))


def _entry(row: ExportRow, **fields) -> dict:
    return {
        "line": row.line, "title": row.title, "year": row.year, "score": row.score,
        "rated_on": row.rated_on.isoformat() if row.rated_on else None,
        "status": SKIPPED, "reason": "", "movie": None, "method": "", "candidates": [], "previous": None,
        **fields,
    }


def entries_build(rows: Iterable[ExportRow], matcher: FilmMatcher) -> list[dict]:
    """Match each row; TV and other non-film rows are skipped unless their IMDb id is a catalogue film."""
    entries = []
    for row in rows:
        if not row.is_film and not matcher.knows_imdb_id(row.imdb_id):
            entries.append(_entry(row, reason=f"{row.title_type}: not a film"))
            continue
        match = matcher.match(row)
        entries.append(_entry(
            row, status=match.status, movie=match.film_id, method=match.method,
            candidates=[[c.film_id, c.score] for c in match.candidates] if match.status == AMBIGUOUS else [],
        ))
    return entries


def _recency(entry: dict) -> tuple[str, int]:
    return (entry["rated_on"] or "", entry["line"])


def duplicates_mark(entries: list[dict]) -> None:
    """The same film twice: the latest rating (by date, then by line) wins, the others are skipped."""
    groups: dict[tuple, list[dict]] = {}
    for entry in entries:
        if entry["status"] == MATCHED:
            key: tuple = ("film", entry["movie"])
        elif entry["status"] in (AMBIGUOUS, UNMATCHED):
            key = ("title", title_key(entry["title"]), entry["year"])
        else:
            continue
        groups.setdefault(key, []).append(entry)
    for group in groups.values():
        latest = max(group, key=_recency)
        for entry in group:
            if entry is not latest:
                entry.update(status=SKIPPED, movie=None, candidates=[],
                             reason=f"duplicate: line {latest['line']} rates this film later")


def previous_scores_mark(entries: list[dict], *, user) -> None:
    """Note the viewer's current stars for each matched film (the file's stars replace them)."""
    matched = [e for e in entries if e["status"] == MATCHED]
    scores = dict(Rating.objects.filter(user=user, movie_id__in=[e["movie"] for e in matched])
                  .values_list("movie_id", "score"))
    for entry in matched:
        entry["previous"] = scores.get(entry["movie"])


def history_import_preview(*, user, data: bytes, filename: str = "") -> HistoryImport:
    """Read, match and store an export for the viewer to check; raises ExportFileError for a bad file."""
    parsed = parse_export(data, max_rows=settings.HISTORY_IMPORT_MAX_ROWS)
    entries = entries_build(parsed.rows, catalogue_matcher(parsed.rows))
    entries += [
        {**_entry(ExportRow(p.line, p.title, None, 0.0, None)), "score": None, "reason": p.reason}
        for p in parsed.problems
    ]
    entries.sort(key=lambda e: e["line"])
    duplicates_mark(entries)
    previous_scores_mark(entries, user=user)
    HistoryImport.objects.filter(user=user, confirmed_at__isnull=True,
                                 created_at__lt=timezone.now() - STALE_AFTER).delete()
    return HistoryImport.objects.create(user=user, source=parsed.source, filename=filename[:255], entries=entries)
