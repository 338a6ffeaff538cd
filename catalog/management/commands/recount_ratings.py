"""`manage.py recount_ratings`: re-derive every movie's rating count, sum and mean, and say how many had drifted."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from catalog.services import movie_rating_totals_rederive


class Command(BaseCommand):
    help = "Re-derive movies' rating counts and means from their ratings; reports how many were wrong."

    def handle(self, *args, **options) -> None:
        drifted = movie_rating_totals_rederive()
        if drifted:
            self.stdout.write(self.style.WARNING(f"{drifted} movies had drifted rating totals; now re-derived."))
        else:
            self.stdout.write(self.style.SUCCESS("Every movie's rating totals match its ratings."))
