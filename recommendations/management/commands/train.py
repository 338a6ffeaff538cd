"""`manage.py train`: fit and activate a new model now, with progress."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from moviesite.progress import CommandProgressStream
from recommendations import services


class Command(BaseCommand):
    help = "Train a new recommendation model on all ratings and activate it if training succeeds."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-activate", action="store_true", help="Train and record, but keep the active model.")
        parser.add_argument("--similarities", action="store_true", help="Also recompute content similarities.")

    def handle(self, *args, **options) -> None:
        with tqdm(total=100, desc="training", unit="%", file=CommandProgressStream(self.stderr), leave=False,
                  mininterval=0.5) as bar:

            def progress(stage: str, fraction: float) -> None:
                bar.set_description(stage)
                bar.update(max(0, round(fraction * 100) - bar.n))

            try:
                version = services.model_train(progress=progress, activate=not options["no_activate"])
            except services.TrainingError as exc:
                raise CommandError(str(exc)) from exc
            except Exception as exc:
                reason = f"{type(exc).__name__}: {exc}"
                raise CommandError(f"training failed ({reason}); the active model is unchanged") from exc
        self.stdout.write(
            f"Model version {version.pk} ({version.status}): {version.n_ratings} ratings, "
            f"{version.n_users} users, {version.n_movies} movies; held-out RMSE {version.rmse:.4f}, "
            f"MAE {version.mae:.4f}; {version.duration_seconds:.1f} s"
        )
        if options["similarities"]:
            links = services.movie_similarities_compute()
            self.stdout.write(f"Content similarities: {links} links")
