"""`/billing/`: the plan each store is on, the minutes used of the period (a bar) and the days left, the
invoices with their status, and the plans on offer. Owners see their stores'; the admin sees every
subscription, past-due ones and failed payments first (the API's roles: read by owners and admins)."""
from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from dashboard.models import BillingRecord, Subscription, SubscriptionPlan
from dashboard.queries import minutes_used, subscription_info
from dashboard.views.common import chosen_store, manager_required, page

PAGE_SIZE = 25


def rank(field: str, order: list[str]) -> Case:
    """Rows whose `field` comes first in `order` sort first (the rest after them)."""
    return Case(*[When(**{field: value}, then=Value(i)) for i, value in enumerate(order)], default=Value(len(order)), output_field=IntegerField())


@manager_required
def billing(request: HttpRequest) -> HttpResponse:
    store = chosen_store(request)
    now = timezone.now()
    subs = Subscription.objects.for_user(request.user) if store is None else Subscription.objects.in_stores([store.pk])
    subs = subs.select_related("plan", "store").annotate(rank=rank("status", ["past_due", "active", "trialing"]))
    sub_page = Paginator(subs.order_by("rank", "current_period_end", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(sub_page.object_list)
    used = minutes_used(items)
    invoices = BillingRecord.objects.for_user(request.user) if store is None else BillingRecord.objects.in_stores([store.pk])
    invoices = invoices.select_related("store").annotate(rank=rank("status", ["failed", "pending"])).order_by("rank", "-created_at", "-id")
    invoice_page = Paginator(invoices, PAGE_SIZE).get_page(request.GET.get("invoices"))
    context = {
        "subscriptions": [subscription_info(sub, used[sub.pk], now) for sub in items],
        "sub_page": sub_page,
        "invoice_page": invoice_page,
        "invoices": list(invoice_page.object_list),
        "plans": list(SubscriptionPlan.objects.filter(is_active=True).order_by("price", "id")),
    }
    return page(request, "dashboard/billing.html", context, store=store)
