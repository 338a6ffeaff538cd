"""Bring your history: upload a Letterboxd/IMDb export, check the preview, confirm (plain form posts)."""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ratings.history_import.apply import history_import_confirm
from ratings.history_import.formats import SOURCE_NAMES, ExportFileError
from ratings.history_import.preview import history_import_preview
from ratings.history_import.summary import import_summary
from ratings.models import HistoryImport


class HistoryUploadForm(forms.Form):
    file = forms.FileField(
        label="Your export file (CSV)",
        help_text=f"Letterboxd’s ratings.csv or IMDb’s ratings export. Up to "
                  f"{filesizeformat(settings.HISTORY_IMPORT_MAX_BYTES)} and "
                  f"{settings.HISTORY_IMPORT_MAX_ROWS:,} films.",
        error_messages={"required": "Choose the CSV file you exported from Letterboxd or IMDb.",
                        "empty": "The file is empty."},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.HISTORY_IMPORT_MAX_BYTES:
            raise ValidationError(
                f"The file is {filesizeformat(upload.size)}; one import takes at most "
                f"{filesizeformat(settings.HISTORY_IMPORT_MAX_BYTES)}. Split it into smaller files."
            )
        return upload


def confirm_choices(data: QueryDict) -> dict[int, int | None]:
    """The preview form's `line-<n>` radios as {line: film id, or None to skip}; ValidationError if malformed."""
    choices: dict[int, int | None] = {}
    for name, value in data.items():
        if not name.startswith("line-"):
            continue
        line, value = name.removeprefix("line-"), value.strip()
        if not line.isdigit() or not (value == "skip" or value.isdigit()):
            raise ValidationError({"choices": [f"“{name}={value}” is not a choice this page offers."]})
        choices[int(line)] = None if value == "skip" else int(value)
    return choices


@require_http_methods(["GET", "POST"])
@login_required
def history_import_upload(request: HttpRequest) -> HttpResponse:
    """Upload an export; a good one is matched and stored, then shown for checking (nothing rated yet)."""
    form = HistoryUploadForm(request.POST, request.FILES) if request.method == "POST" else HistoryUploadForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            pending = history_import_preview(user=request.user, data=upload.read(), filename=upload.name)
        except ExportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("history-import-preview", import_id=pending.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "ratings/history_import_upload.html", {"form": form}, status=status)


def _preview_page(request: HttpRequest, pending: HistoryImport, *, errors=(), status: int = 200) -> HttpResponse:
    summary = import_summary(pending)
    context = {"summary": summary, "pending": pending, "source_name": SOURCE_NAMES.get(pending.source, ""),
               "errors": errors}
    return render(request, "ratings/history_import_preview.html", context, status=status)


@require_safe
@login_required
def history_import_preview_view(request: HttpRequest, import_id) -> HttpResponse:
    return _preview_page(request, get_object_or_404(HistoryImport, pk=import_id, user=request.user))


@require_POST
@login_required
def history_import_confirm_view(request: HttpRequest, import_id) -> HttpResponse:
    """Write the previewed ratings in one transaction; a bad choice re-shows the preview with a 400."""
    pending = get_object_or_404(HistoryImport, pk=import_id, user=request.user)
    try:
        outcome = history_import_confirm(user=request.user, import_id=pending.pk,
                                         choices=confirm_choices(request.POST))
    except ValidationError as exc:
        return _preview_page(request, pending, errors=exc.message_dict.get("choices", exc.messages), status=400)
    if outcome["already_confirmed"]:
        messages.info(request, "This import was already confirmed: nothing changed.")
    else:
        messages.success(request, outcome_sentence(outcome))
    return redirect("my-ratings")


def outcome_sentence(outcome: dict) -> str:
    parts = [f"{outcome['created']} new rating{'s' if outcome['created'] != 1 else ''}",
             f"{outcome['changed']} changed", f"{outcome['unchanged']} already rated with the same stars"]
    if outcome.get("missing"):
        parts.append(f"{outcome['missing']} no longer in the catalogue")
    return "Import done: " + ", ".join(parts) + "."
