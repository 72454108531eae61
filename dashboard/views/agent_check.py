"""`/simulator/check/`: check my agent. Cases from the store's own data, played through the real voice
webhooks and graded against the data (voice/agent_check.py, shared with `manage.py check_agent`).

Any staff role may run it on the stores they see: it reads the store's data and keeps nothing (each
case's call is rolled back), so an agent checking their store changes nothing. A POST runs it, so a
link or a prefetch never starts one.
"""
from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from dashboard.forms import PageForm
from dashboard.views.common import page, staff_required, working_store
from voice import twilio
from voice.agent_check import CheckError, check_store

PAGE_SAMPLE = 150  # a few seconds; the command's default (400) covers more
PAGE_MAX_SAMPLE = 1000


class CheckForm(PageForm):
    sample = forms.IntegerField(label="Cases", min_value=1, max_value=PAGE_MAX_SAMPLE, initial=PAGE_SAMPLE,
                                help_text=f"At most {PAGE_MAX_SAMPLE}; a smaller store plays all its cases.")
    seed = forms.IntegerField(label="Sample", min_value=0, max_value=10**6, initial=0, help_text="Another number picks other cases.")


@require_http_methods(["GET", "POST"])
@staff_required
def agent_check(request: HttpRequest) -> HttpResponse:
    store = working_store(request)
    report, problem = None, ""
    form = CheckForm(request.POST) if request.method == "POST" else CheckForm()
    if request.method == "POST" and form.is_valid():
        try:
            report = check_store(store, sample=form.cleaned_data["sample"], seed=form.cleaned_data["seed"])
        except CheckError as exc:
            problem = str(exc)
    context = {
        "working_store": store,
        "form": form,
        "report": report,
        "problem": problem,
        "ready": bool(store.twilio_numbers) and bool(twilio.signing_token()),
    }
    status = 400 if form.errors else 200
    return page(request, "dashboard/agent_check.html", context, store=store, all_stores=False, status=status)
