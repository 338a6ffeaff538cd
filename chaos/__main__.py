"""`python -m chaos [--restart-postgres] [--keep]`: run the fault scenarios and print the report table.

Exit status 0 when every check passed, 1 otherwise. Progress goes to stderr, the table to stdout.
"""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

from chaos import scenarios
from chaos.report import Outcome, table
from chaos.stack import Stack

logger = logging.getLogger("chaos")


class RunTimeout(Exception):
    """The whole run passed --max-seconds."""


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--restart-postgres", action="store_true",
                        help="also restart the machine's shared PostgreSQL cluster (other people's tests may fail)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, models) afterwards")
    parser.add_argument("--lock-ttl", type=int, default=20,
                        help="seconds a dead training's lock lives on in the chaos worker (production: 300)")
    parser.add_argument("--svd-epochs", type=int, default=60, help="makes a training last long enough to kill")
    parser.add_argument("--max-seconds", type=int, default=1200, help="the whole run stops after this")
    return parser.parse_args(argv)


def _prepare(stack: Stack):
    """Services, schema, data and a first active model; returns the seeded world."""
    stack.redis_start()
    stack.database_create()
    os.environ.update(stack.env())
    import django

    django.setup()
    from django.core.management import call_command

    from chaos.seed import world_seed
    from recommendations import services

    logger.info("migrating %s", stack.database)
    call_command("migrate", verbosity=0)
    logger.info("seeding synthetic ratings")
    world = world_seed()
    logger.info("training the first model")
    started = time.monotonic()
    version = services.model_train()
    logger.info("model v%s trained in %.1fs", version.pk, time.monotonic() - started)
    stack.web_start()
    stack.worker_start()
    return world


def run(args: argparse.Namespace, stack: Stack) -> list[Outcome]:
    outcomes: list[Outcome] = []
    world = _prepare(stack)
    chosen = list(scenarios.SCENARIOS)
    if args.restart_postgres:
        chosen.insert(chosen.index(scenarios.postgres_down) + 1, scenarios.postgres_restarted)
    for scenario in chosen:
        logger.info("scenario: %s", scenario.__name__)
        started = time.monotonic()
        try:
            outcomes += scenario(stack, world)
        except RunTimeout:
            raise
        except Exception as exc:  # one broken scenario is a failed row, not the end of the run
            logger.exception("scenario %s raised", scenario.__name__)
            outcomes.append(Outcome(scenario.__name__, "completes", f"raised {type(exc).__name__}: {exc}", False))
        logger.info("scenario %s took %.0fs", scenario.__name__, time.monotonic() - started)
    if not args.restart_postgres:
        outcomes.append(Outcome("PostgreSQL restarted (cluster)", "opt-in: --restart-postgres",
                                "not run: it restarts the shared cluster", None))
    return outcomes


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s chaos: %(message)s")

    def stop(signum: int, _frame: object) -> None:
        raise RunTimeout(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGALRM, stop)
    signal.alarm(args.max_seconds)
    workdir = Path(tempfile.mkdtemp(prefix="moviesite-chaos-"))
    stack = Stack(workdir, lock_ttl=args.lock_ttl, svd_epochs=args.svd_epochs)
    outcomes: list[Outcome] = []
    started = time.monotonic()
    try:
        outcomes = run(args, stack)
    except (Exception, RunTimeout, KeyboardInterrupt) as exc:
        traceback.print_exc()
        outcomes.append(Outcome("chaos run", "completes", f"stopped: {type(exc).__name__}: {exc}", False))
    finally:
        signal.alarm(0)
        _close_django_connections()
        stack.close()
    failed = any(o.passed is False for o in outcomes)
    sys.stdout.write(f"\nmoviesite chaos report ({time.monotonic() - started:.0f}s, 127.0.0.1 only)\n\n")
    sys.stdout.write(table(outcomes) + "\n")
    if args.keep or failed:
        sys.stdout.write(f"logs: {stack.logs}\n")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


def _close_django_connections() -> None:
    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # Django may never have been set up
        pass


if __name__ == "__main__":
    sys.exit(main())
