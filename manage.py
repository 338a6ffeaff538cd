#!/usr/bin/env python
"""Django's command-line utility for moviesite."""
from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moviesite.settings.dev")
    if sys.argv[1:2] != ["runserver"]:
        # The statement timeout guards web requests; an import, a training or an evaluation may run
        # for minutes (a 25M-rating COPY takes about one), so commands run without it (0 = none).
        os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT", "0")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
