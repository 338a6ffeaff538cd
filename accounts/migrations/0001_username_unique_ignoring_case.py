"""Usernames are unique whatever their case, in the database, not only in the sign-up form.

The form's check (Django refuses "Viewer" when "viewer" exists) cannot stop two sign-ups racing; a unique
index on lower(username) can. The user model is Django's own, so the index is created here.
"""
from django.db import migrations

INDEX = "accounts_username_lower_unique"


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        migrations.RunSQL(
            f"CREATE UNIQUE INDEX {INDEX} ON auth_user (lower(username))",
            f"DROP INDEX {INDEX}",
        ),
    ]
