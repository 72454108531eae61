"""voice.faq: the active FAQ entry a caller's words ask about, ranked on keywords, question and answer."""
from __future__ import annotations

import pytest

from store import services as store_services
from store.models import Faq
from voice.faq import best_faq
from voice.selectors import data_version

ENTRIES = [
    ("What is your return policy?", "Most items can be returned within 90 days with the receipt.", ["returns", "refund", "bring back"]),
    ("Do you deliver?", "Yes, within 25 miles; $49.", ["delivery", "deliver"]),
    ("Are you hiring?", "Apply online at example.com/jobs.", ["hiring", "jobs", "apply", "openings"]),
    ("What are the pharmacy hours?", "The pharmacy is open 9 AM to 9 PM.", ["pharmacy hours", "pharmacy open"]),
    ("Do you cut keys?", "Yes, at the service desk.", ["key cutting", "cut a key"]),
]


@pytest.fixture
def faqs(store):
    return {q: Faq.objects.create(store=store, question=q, answer=a, keywords=k) for q, a, k in ENTRIES}


@pytest.mark.parametrize(
    ("said", "question"),
    [
        ("what's your return policy on power tools", "What is your return policy?"),
        ("can i bring back a drill", "What is your return policy?"),
        ("do you guys do deliveries", "Do you deliver?"),
        ("um are you hiring right now", "Are you hiring?"),
        ("i'm applying for a job", "Are you hiring?"),
        ("what time does the pharmacy open", "What are the pharmacy hours?"),
        ("do you cut keys", "Do you cut keys?"),
    ],
)
def test_the_entry_asked_about(store, faqs, said, question):
    found = best_faq(store, said)

    assert found is not None and found.faq.question == question and found.strong


@pytest.mark.parametrize("said", ["are you open sunday", "how much is the dewalt drill", "do you have milk", "where are you located"])
def test_no_entry_for_other_questions(store, faqs, said):
    assert best_faq(store, said) is None


def test_an_inactive_entry_or_another_stores_is_never_spoken(store, other_store, faqs):
    Faq.objects.create(store=other_store, question="Do you rent tools?", answer="Theirs.", keywords=["rent"])
    best_faq(store, "do you deliver")  # cached before the change
    Faq.objects.filter(pk=faqs["Do you deliver?"].pk).update(is_active=False)
    store_services.bump_data_version(store.pk)  # what every audited change through store.services does

    assert best_faq(store, "can i rent a tile saw") is None
    assert best_faq(store, "do you deliver") is None


def test_a_turn_reads_the_entries_from_the_cache(store, faqs, django_assert_num_queries):
    version = data_version(store.pk)  # a turn reads it once (voice.views.gather) and passes it on
    best_faq(store, "do you deliver", version=version)

    with django_assert_num_queries(0):
        assert best_faq(store, "are you hiring", version=version).faq.question == "Are you hiring?"
