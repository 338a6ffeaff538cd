"""`make chaos`: break the running platform on purpose and check it degrades and recovers as promised.

It starts its own stack on 127.0.0.1 — a throwaway PostgreSQL database on the local cluster, a private
redis-server on its own port, gunicorn (2 workers) and a Celery worker — seeds synthetic ratings, trains
a first model, then runs each fault scenario and prints a table: scenario, expected, observed, pass/fail.
Everything it starts is stopped, and its database dropped, when it ends (also on Ctrl-C or a failure).

The shared PostgreSQL cluster is restarted only with `--restart-postgres`; without it, "PostgreSQL down"
is played on the throwaway database alone (connections refused and existing sessions killed).
"""
