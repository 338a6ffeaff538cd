"""`manage.py enrich_tmdb [--limit N] [--force]`: fetch overviews and posters from TMDB (needs TMDB_API_KEY)."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from catalog.tmdb import TMDBError, movies_tmdb_enrich, tmdb_client


class Command(BaseCommand):
    help = (
        "Fill movie overviews and poster paths from TMDB for movies with a TMDB id, most-rated first. "
        "Needs TMDB_API_KEY. Afterwards, `manage.py train --similarities` lets overviews shape similar movies."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="at most this many movies")
        parser.add_argument("--force", action="store_true", help="refetch movies that already have both fields")

    def handle(self, *args, limit: int | None, force: bool, **options) -> None:
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1")
        client = tmdb_client()
        if client is None:
            raise CommandError("TMDB_API_KEY is not set: there is nothing to fetch (pages show placeholder posters).")
        step = 100 if options["verbosity"] > 0 else 0

        def progress(done: int, total: int) -> None:
            if step and (done % step == 0 or done == total):
                self.stderr.write(f"  {done}/{total} movies checked")

        try:
            report = movies_tmdb_enrich(client=client, limit=limit, force=force, progress=progress)
        except TMDBError as exc:
            raise CommandError(f"TMDB enrichment stopped: {exc}") from exc
        self.stdout.write(
            f"TMDB: {report.checked} movies checked, {report.updated} updated, {report.unknown} unknown to TMDB."
        )
