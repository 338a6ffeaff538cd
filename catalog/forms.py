"""The movie list's search and filter form (read from the query string)."""
from __future__ import annotations

from django import forms

from catalog.models import Genre

SORT_CHOICES = [("popular", "Most rated"), ("rating", "Highest rated"), ("year", "Newest"), ("title", "Title A–Z")]


def _year_errors(name: str) -> dict[str, str]:
    """Error messages that say which of the two year boxes is wrong (they share one line on the page)."""
    return {
        "invalid": f"“{name}” must be a year, like 1994.",
        "min_value": f"“{name}” must be 1870 or later.",
        "max_value": f"“{name}” must be 2100 or earlier.",
    }


class MovieFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search titles")
    genre = forms.ModelMultipleChoiceField(
        queryset=Genre.objects.all(),
        to_field_name="name",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Genres",
    )
    year_min = forms.IntegerField(required=False, min_value=1870, max_value=2100, label="From year",
                                  error_messages=_year_errors("From"))
    year_max = forms.IntegerField(required=False, min_value=1870, max_value=2100, label="To year",
                                  error_messages=_year_errors("To"))
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False, label="Sort by")

    def clean(self) -> dict:
        cleaned = super().clean()
        low, high = cleaned.get("year_min"), cleaned.get("year_max")
        if low is not None and high is not None and low > high:
            # Said plainly, and the year filter is dropped: a range that can match nothing is a slip.
            self.add_error("year_max", f"The “To” year ({high}) is before the “From” year ({low}).")
            cleaned.pop("year_min", None)
        return cleaned

    def genre_chips(self) -> list[tuple[str, str, bool]]:
        """(element id, genre, checked) for each genre chip. The page writes these inputs itself: Django renders
        each checkbox through a widget template, which cost a tenth of a signed-in search page."""
        chosen = {str(value) for value in self["genre"].value() or []}
        names = self.fields["genre"].queryset.values_list("name", flat=True)
        return [(f"{self['genre'].auto_id}_{i}", name, name in chosen) for i, name in enumerate(names)]

    def search_arguments(self) -> dict:
        """Keyword arguments for catalog.selectors.movie_search; invalid fields are left out."""
        data: dict = {}
        if self.is_bound:
            self.is_valid()  # cleaned_data then holds only the fields that validated
            data = self.cleaned_data
        return {
            "query": data.get("q") or "",
            "genres": [genre.name for genre in data.get("genre") or []],
            "year_min": data.get("year_min"),
            "year_max": data.get("year_max"),
            "sort": data.get("sort") or "popular",
        }
