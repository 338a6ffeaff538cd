"""What a stored import says, grouped for the preview page and the API (reads only)."""
from __future__ import annotations

from dataclasses import dataclass, field

from catalog.models import Movie
from ratings.history_import.matching import AMBIGUOUS, MATCHED, UNMATCHED, title_key
from ratings.history_import.preview import SKIPPED
from ratings.models import HistoryImport

# Preview groups in page order: what needs the viewer first, then what will happen, then what will not.
GROUPS = ("ambiguous", "changed", "new", "same", "unmatched", "skipped")


def entry_group(entry: dict) -> str:
    status = entry["status"]
    if status == MATCHED:
        if entry["previous"] is None:
            return "new"
        return "same" if entry["previous"] == entry["score"] else "changed"
    return {AMBIGUOUS: "ambiguous", UNMATCHED: "unmatched", SKIPPED: "skipped"}[status]


@dataclass
class ImportSummary:
    history_import: HistoryImport
    groups: dict[str, list[dict]] = field(default_factory=dict)  # each entry gains "film" / "options"

    @property
    def counts(self) -> dict[str, int]:
        return {name: len(self.groups[name]) for name in GROUPS}

    @property
    def matched(self) -> int:
        return sum(len(self.groups[name]) for name in ("changed", "new", "same"))


def import_summary(history_import: HistoryImport) -> ImportSummary:
    """The import's entries by group, each with its Movie (matched) or candidate Movies (ambiguous)."""
    entries = history_import.entries
    ids = {e["movie"] for e in entries if e["movie"]} | {c[0] for e in entries for c in e["candidates"]}
    movies = Movie.objects.prefetch_related("genres").in_bulk(list(ids))
    summary = ImportSummary(history_import, {name: [] for name in GROUPS})
    for entry in entries:
        film = movies.get(entry["movie"])
        shown = {**entry, "film": film,
                 "options": [(movies[c[0]], c[1]) for c in entry["candidates"] if c[0] in movies],
                 # Worth showing the file's own words when the catalogue names the film differently.
                 "renamed": film is not None and title_key(entry["title"]) != title_key(film.title)}
        summary.groups[entry_group(entry)].append(shown)
    return summary
