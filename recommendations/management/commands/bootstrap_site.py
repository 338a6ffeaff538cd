"""`manage.py bootstrap_site`: what `make run` needs before the site starts.

Imports the default dataset when the database has no movies, computes content similarities
and trains a first model when none is active, and (embedded mode only) creates a demo viewer
and a staff account whose generated passwords are printed once, when they are created.
"""
from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from catalog.models import Movie, SimilarMovie
from ratings.services import rating_upsert
from recommendations import services
from recommendations.models import ModelVersion
from recommendations.selectors import popular_movies

DEMO_USERNAME = "demo"
STAFF_USERNAME = "staff"
# The demo viewer's taste, so the first page shows picks that visibly follow it.
DEMO_LIKES = {"Sci-Fi": 5.0, "Adventure": 4.5, "Animation": 4.5, "Fantasy": 4.0}
DEMO_DISLIKES = {"Romance": 2.0, "Horror": 1.5, "Musical": 2.0}


class Command(BaseCommand):
    help = "Prepare the site for `make run`: data, similarities, first model, demo accounts."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dataset", default="ml-latest-small")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, **options) -> None:
        if not Movie.objects.exists():
            self.stdout.write(f"The database is empty: importing {options['dataset']}…")
            call_command("import_movielens", options["dataset"])
        demo_password, staff_password = self._demo_accounts()
        if not SimilarMovie.objects.exists():
            self.stdout.write("Computing content similarities…")
            self.stdout.write(f"  {services.movie_similarities_compute()} similar-movie links")
        if not ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).exists():
            self.stdout.write("No active model: training the first one…")
            try:
                call_command("train")
            except CommandError as exc:
                self.stderr.write(f"Training failed: {exc}. The site will show popular movies until it succeeds.")
        self._banner(options["port"], demo_password, staff_password)

    def _demo_accounts(self) -> tuple[str | None, str | None]:
        """Create the demo viewer and staff account in embedded mode; passwords are returned only when new."""
        if settings.USING_POSTGRES:
            return None, None
        users = get_user_model()
        demo_password = staff_password = None
        with transaction.atomic():
            if not users.objects.filter(username=STAFF_USERNAME).exists():
                staff_password = secrets.token_urlsafe(9)
                users.objects.create_superuser(STAFF_USERNAME, "", staff_password)
            if not users.objects.filter(username=DEMO_USERNAME).exists():
                demo_password = secrets.token_urlsafe(9)
                demo = users.objects.create_user(DEMO_USERNAME, "", demo_password)
                for movie in popular_movies(n=40):
                    genres = {g.name for g in movie.genres.all()}
                    liked = [DEMO_LIKES[g] for g in genres if g in DEMO_LIKES]
                    disliked = [DEMO_DISLIKES[g] for g in genres if g in DEMO_DISLIKES]
                    if liked or disliked:
                        rating_upsert(user=demo, movie=movie, score=max(liked) if liked else min(disliked))
        return demo_password, staff_password

    def _banner(self, port: str, demo_password: str | None, staff_password: str | None) -> None:
        lines = ["", f"moviesite is starting on http://127.0.0.1:{port}/"]
        if demo_password:
            lines.append(f"  demo viewer: {DEMO_USERNAME} / {demo_password}")
        if staff_password:
            lines.append(f"  staff (admin at /admin/, dashboard): {STAFF_USERNAME} / {staff_password}")
        if demo_password or staff_password:
            lines.append("  These passwords are shown only this once; `manage.py changepassword` resets them.")
        elif not settings.USING_POSTGRES:
            lines.append(f"  Log in as '{DEMO_USERNAME}' (viewer) or '{STAFF_USERNAME}' (staff) with the passwords "
                         "printed on the first run, or sign up.")
        else:
            lines.append("  Sign up on the site; `manage.py createsuperuser` makes a staff account.")
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
