"""The chaos run's Celery worker: the project's worker with a shorter training-lock lifetime.

A worker killed mid-training on this machine is found dead at once; a lock whose holder cannot be
looked at (another host) lapses after LOCK_TTL (60 s in production). The mechanism is the same at 20 s.
Started by chaos.stack as `python -m chaos.worker`.
"""
from __future__ import annotations

import os

import django


def main() -> None:
    django.setup()
    from moviesite.celery import app
    from recommendations.services import training

    training.LOCK_TTL = int(os.environ.get("CHAOS_LOCK_TTL", training.LOCK_TTL))
    app.worker_main(["worker", "--pool", "solo", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
                     "--hostname", f"chaos-{os.getpid()}@%h"])


if __name__ == "__main__":
    main()
