"""Movie.rating_sum: rating writes add to the count and sum instead of re-aggregating the movie's ratings."""
from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce


def rating_sums_fill(apps, schema_editor) -> None:
    Movie, Rating = apps.get_model("catalog", "Movie"), apps.get_model("ratings", "Rating")
    sums = Rating.objects.filter(movie=OuterRef("pk")).values("movie").annotate(total=Sum("score")).values("total")
    Movie.objects.filter(rating_count__gt=0).update(rating_sum=Coalesce(Subquery(sums), 0.0))


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0001_initial"),
        ("ratings", "0003_rating_user_index_in_unique_constraint"),
    ]

    operations = [
        migrations.AddField(model_name="movie", name="rating_sum", field=models.FloatField(default=0.0)),
        migrations.RunPython(rating_sums_fill, migrations.RunPython.noop),
    ]
