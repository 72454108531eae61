"""The store's FAQ (issue 16): question, answer, keywords, active flag, scoped to one store."""
from __future__ import annotations

from store.models import Faq


def test_a_faq_belongs_to_one_store_and_goes_with_it(store, other_store):
    faq = Faq.objects.create(store=store, question="Do you deliver?", answer="Yes, within 5 miles.", keywords=["delivery"])
    Faq.objects.create(store=other_store, question="Do you deliver?", answer="No.")

    assert list(Faq.objects.filter(store=store).values_list("answer", flat=True)) == ["Yes, within 5 miles."]
    assert (faq.is_active, faq.keywords, faq.created_at is not None) == (True, ["delivery"], True)
    store.delete()
    assert list(Faq.objects.values_list("answer", flat=True)) == ["No."]


def test_keywords_default_to_an_empty_list(store):
    assert Faq.objects.create(store=store, question="Parking?", answer="Free lot behind the store.").keywords == []
