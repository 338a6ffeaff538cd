"""`manage.py import_movielens ml-latest-small [--path DIR_OR_ZIP]`: load a MovieLens dataset."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.download import DownloadError
from catalog.movielens import DATASETS, MovieLensFormatError
from catalog.services import MovieLensImportError, movielens_import
from moviesite.progress import CommandProgressStream


class Command(BaseCommand):
    help = "Import a MovieLens dataset (downloaded from MOVIELENS_MIRROR unless --path is given). Re-runs add nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("dataset", choices=list(DATASETS))
        parser.add_argument("--path", type=Path, help="the dataset folder, a folder containing it, or its zip")
        parser.add_argument(
            "--strict", action="store_true",
            help="fail on ratings, links or tags of movies missing from the movies file instead of skipping them",
        )

    def handle(self, *args, dataset: str, path: Path | None, strict: bool, **options) -> None:
        progress = CommandProgressStream(self.stderr) if options["verbosity"] > 0 else None
        try:
            result = movielens_import(name=dataset, source=path, progress_stream=progress, strict=strict)
        except (MovieLensFormatError, DownloadError, MovieLensImportError) as exc:
            raise CommandError(str(exc)) from exc
        for note in result.skipped:
            self.stderr.write(self.style.WARNING(note))
        if result.nothing_added:
            self.stdout.write(f"{dataset} is already imported: nothing added")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {dataset}: {result.movies} movies, {result.users} users, {result.ratings} ratings, "
                f"{result.genres} genres, {result.tags} tags in {result.seconds:.1f} s"
            )
        )
