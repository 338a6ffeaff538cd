"""Title search on PostgreSQL: pg_trgm and a GIN trigram index on UPPER(title). SQLite skips both."""
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "catalog_movie_title_trgm"


def index_create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalog_movie USING gin (UPPER(title) gin_trgm_ops)")


def index_drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [("catalog", "0002_movie_rating_sum")]

    operations = [TrigramExtension(), migrations.RunPython(index_create, index_drop)]
