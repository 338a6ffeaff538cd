"""The rating form: only checks a score was sent; rating_upsert does the one real validation."""
from __future__ import annotations

from django import forms


class RatingForm(forms.Form):
    # Not stripped: the score is checked as sent, by the same rule as the API's (ratings.services).
    score = forms.CharField(
        max_length=8, strip=False, error_messages={"required": "Choose a rating from half a star to five stars."}
    )


RATING_SORT_CHOICES = [
    ("newest", "Newest first"),
    ("oldest", "Oldest first"),
    ("highest", "Highest score"),
    ("lowest", "Lowest score"),
    ("title", "Title A–Z"),
    ("year", "Release year"),
]
STAR_CHOICES = [("", "Any")] + [(f"{v / 2:g}", f"{v / 2:g}★") for v in range(1, 11)]


class MyRatingsFilterForm(forms.Form):
    """My ratings' filters, read from the query string; invalid values are ignored, not errors."""

    q = forms.CharField(required=False, max_length=200, label="Title contains")
    score_min = forms.TypedChoiceField(choices=STAR_CHOICES, coerce=float, empty_value=None, required=False,
                                       label="At least")
    score_max = forms.TypedChoiceField(choices=STAR_CHOICES, coerce=float, empty_value=None, required=False,
                                       label="At most")
    genre = forms.ModelChoiceField(queryset=None, to_field_name="name", required=False, empty_label="Any genre",
                                   label="Genre")
    sort = forms.ChoiceField(choices=RATING_SORT_CHOICES, required=False, label="Sort by")

    def __init__(self, *args, **kwargs) -> None:
        from catalog.models import Genre

        super().__init__(*args, **kwargs)
        self.fields["genre"].queryset = Genre.objects.all()

    def selector_arguments(self) -> dict:
        """Keyword arguments for ratings.selectors.user_ratings."""
        data: dict = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data
        genre = data.get("genre")
        return {
            "query": data.get("q") or "",
            "score_min": data.get("score_min"),
            "score_max": data.get("score_max"),
            "genre": genre.name if genre else "",
            "sort": data.get("sort") or "newest",
        }
