"""`/settings/profile/`: the signed-in person's own name and email (PUT /api/users/profile's rules and service)."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from callcenter import services
from callcenter.serializers import ProfileSerializer
from dashboard import forms
from dashboard.views.common import chosen_store, page, staff_required, validate_with


@require_http_methods(["GET", "POST"])
@staff_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {"firstName": user.first_name, "lastName": user.last_name, "email": user.email}
    form = forms.ProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = validate_with(form, ProfileSerializer, form.cleaned_data, partial=True)
        if data is not None:
            services.update_profile(user=user, data=data)
            messages.success(request, "Your profile was saved.")
            return redirect("pages:profile")
    return page(request, "dashboard/profile.html", {"form": form}, store=chosen_store(request), status=400 if form.is_bound else 200)
