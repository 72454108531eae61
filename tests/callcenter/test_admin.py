"""/admin/: every registered model's changelist, search, a list filter, change and add pages answer."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from callcenter.models import ApiKey, User
from calls.models import AgentProfile, Call, Customer, QueueEntry, ScheduledCallback, TranscriptEntry
from dashboard.models import BillingRecord, Subscription, SubscriptionPlan
from store.models import Coupon, Department, Faq, InventoryItem, StaffMember, Store, VoiceTemplate
from store.services import create_api_key, revoke_api_key, save_record, settings_of
from voice.models import AIAgent

REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
IDS = [model._meta.label for model, _ in REGISTRY]


def _add_calls(store: Store, count: int, start: int = 0) -> None:
    now = timezone.now()
    for n in range(start, start + count):
        call = Call.objects.create(
            store=store, call_id=f"ADM-{n}", caller=f"+1555000{n:04d}", start_time=now - timedelta(hours=n), status="success"
        )
        TranscriptEntry.objects.create(call=call, seq=0, speaker="User", text=f"hello {n}", at=call.start_time)


@pytest.fixture
def rows(admin_user, owner, store, other_store, agent) -> None:
    """At least one row of every registered model, so lists, filters and change pages have something to show."""
    key, _ = create_api_key(store=store, name="bot one", created_by=admin_user)
    create_api_key(store=other_store, name="bot two")
    revoke_api_key(key=key)
    _add_calls(store, 2)
    Group.objects.create(name="supervisors")
    RefreshToken.for_user(owner)
    RefreshToken.for_user(agent).blacklist()
    _add_store_data(store, admin_user)
    _add_business_data(store, agent)


def _add_store_data(store: Store, actor: User) -> None:
    """Through the services, so the audit log has its lines too."""
    dept = save_record(actor=actor, store=store, instance=Department(), data={"name": "Bakery", "phone_extension": "105"})
    item = save_record(actor=actor, store=store, instance=InventoryItem(), data={"name": "Rye Bread", "sku": "BRD9", "price": 3, "department": dept})
    save_record(actor=actor, store=store, instance=Coupon(), data={"code": "RYE10", "discount_value": 10, "item": item})
    save_record(actor=actor, store=store, instance=VoiceTemplate(), data={"template_type": "greeting", "text_content": "Hi from {store_name}"})
    save_record(actor=actor, store=store, instance=StaffMember(), data={"name": "Jo Baker", "department": dept})
    save_record(actor=actor, store=store, instance=Faq(), data={"question": "Do you deliver?", "answer": "Yes.", "keywords": ["delivery"]})
    save_record(actor=actor, store=store, instance=settings_of(store), data={"recording_enabled": True})


def _add_business_data(store: Store, agent: User) -> None:
    """One row of each model behind the dashboard (calls' hourly totals come from the calls above)."""
    now = timezone.now()
    plan = SubscriptionPlan.objects.create(name="Pro", price=49, call_minutes_limit=1000)
    sub = Subscription.objects.create(store=store, plan=plan, current_period_start=now - timedelta(days=3), current_period_end=now + timedelta(days=27))
    BillingRecord.objects.create(store=store, subscription=sub, amount=49, status="failed")
    customer = Customer.objects.create(store=store, phone="+15550001111", name="Xena")
    ScheduledCallback.objects.create(store=store, customer=customer, scheduled_at=now - timedelta(hours=1), reason="quote", assigned_agent=agent)
    AgentProfile.objects.create(user=agent, status="available")
    QueueEntry.objects.create(store=store, customer=customer, caller=customer.phone, assigned_agent=agent)
    AIAgent.objects.create(store=store, name="Ava", status="active", training_level=80)


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_every_model_of_the_project_is_registered():
    registered = {model for model, _ in REGISTRY}

    assert {User, ApiKey, Store, Call, TranscriptEntry} <= registered


@pytest.mark.parametrize("model,model_admin", REGISTRY, ids=IDS)
def test_changelist_answers(staff_client, rows, model, model_admin):
    response = staff_client.get(_changelist_url(model))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("model,model_admin", REGISTRY, ids=IDS)
def test_changelist_search_answers(staff_client, rows, model, model_admin):
    if not model_admin.search_fields:
        pytest.skip(f"{model._meta.label} has no search")

    response = staff_client.get(_changelist_url(model), {"q": "x"})

    assert response.status_code == 200
    assert "cl" in response.context


@pytest.mark.parametrize("model,model_admin", REGISTRY, ids=IDS)
def test_changelist_filter_answers(staff_client, rows, admin_user, model, model_admin):
    if not model_admin.list_filter:
        pytest.skip(f"{model._meta.label} has no list filter")
    request = RequestFactory().get(_changelist_url(model))
    request.user = admin_user
    changelist = model_admin.get_changelist_instance(request)
    tried = 0

    # The first choice of every filter that is not "All": each one must render, not bounce with ?e=1.
    for spec in changelist.filter_specs:
        choices = [c for c in spec.choices(changelist) if not c["selected"]]
        if not choices:
            continue
        response = staff_client.get(_changelist_url(model) + choices[0]["query_string"])
        assert response.status_code == 200, (spec.title, choices[0]["query_string"])
        tried += 1

    assert tried >= 1


@pytest.mark.parametrize("model,model_admin", REGISTRY, ids=IDS)
def test_change_page_answers(staff_client, rows, model, model_admin):
    obj = model.objects.first()
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])

    response = staff_client.get(url)

    assert response.status_code == 200


@pytest.mark.parametrize("model,model_admin", REGISTRY, ids=IDS)
def test_add_page_answers_where_adding_is_allowed(staff_client, rows, admin_user, model, model_admin):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    request = RequestFactory().get(url)
    request.user = admin_user

    response = staff_client.get(url)

    assert response.status_code == (200 if model_admin.has_add_permission(request) else 403)


def test_api_keys_cannot_be_added_in_the_admin(staff_client, rows):
    """A key is shown once when made: the admin could never show it, so it cannot make one."""
    response = staff_client.post(reverse("admin:callcenter_apikey_add"), {"name": "x", "key_hash": "0" * 64})

    assert response.status_code == 403
    assert ApiKey.objects.count() == 2


def test_api_key_hash_is_read_only(staff_client, rows):
    key = ApiKey.objects.first()

    response = staff_client.get(reverse("admin:callcenter_apikey_change", args=[key.pk]))

    form = response.context["adminform"].form
    assert "key_hash" not in form.fields
    assert "prefix" not in form.fields


def test_admin_adds_a_user_with_role_and_store(staff_client, rows, store):
    response = staff_client.post(
        reverse("admin:callcenter_user_add"),
        {"username": "newbie", "password1": "Correct-horse-9", "password2": "Correct-horse-9", "usable_password": "true",
         "role": "agent", "store": store.pk},
    )  # fmt: skip

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    newbie = User.objects.get(username="newbie")
    assert newbie.role == "agent" and newbie.store == store
    assert newbie.check_password("Correct-horse-9")


@pytest.mark.parametrize("model", [Call, TranscriptEntry, User, ApiKey, Store], ids=lambda m: m._meta.label)
def test_changelist_queries_do_not_grow_with_rows(staff_client, rows, store, model):
    url = _changelist_url(model)
    with CaptureQueriesContext(connection) as few:
        assert staff_client.get(url).status_code == 200
    _add_calls(store, 30, start=100)
    for n in range(10):
        owner = User.objects.create_user(f"many-owner-{n}", password=None)
        shop = Store.objects.create(name=f"Shop {n}", slug=f"shop-{n}", owner=owner)
        User.objects.create_user(f"many-agent-{n}", password=None, role=User.Role.AGENT, store=shop)
        create_api_key(store=shop, name=f"bot {n}")

    with CaptureQueriesContext(connection) as many:
        assert staff_client.get(url).status_code == 200

    assert len(many) <= len(few) + 1, [q["sql"] for q in many.captured_queries]


def test_admin_needs_staff(client, agent):
    client.force_login(agent)

    response = client.get(_changelist_url(Call))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
