"""store/placeholders.py: owner-written text is filled by a regex over the documented names, never by str.format."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from store.placeholders import PLACEHOLDERS, fill, validate_text

README = Path(__file__).resolve().parents[2] / "README.md"
VALUES = {"store_name": "Main Street Market", "address": "1 Main St", "price": "$4.99"}


def test_readme_documents_exactly_the_placeholders_in_code():
    text = README.read_text()
    start = text.index("use only the documented placeholders")
    sentence = text[start : text.index(". ", start)]
    assert re.findall(r"`\{(\w+)\}`", sentence) == list(PLACEHOLDERS)


def test_documented_names_are_filled_and_missing_ones_left_out():
    assert fill("Welcome to {store_name}! {item_name}", VALUES) == "Welcome to Main Street Market! "


def test_doubled_braces_are_literal_braces_and_a_lone_brace_stays():
    assert fill("{{store_name}} is {store_name} }} { x", VALUES) == "{store_name} is Main Street Market } { x"


@pytest.mark.parametrize(
    "text",
    [
        "{address.__class__.__base__.__subclasses__}",
        "{address.__class__}",
        "{store_name:>20000000}",
        "{store_name!r}",
        "{store_name[0]}",
        "{0}",
        "{}",
        "{ store_name }",
    ],
)
def test_nothing_but_a_documented_name_is_ever_evaluated(text):
    assert fill(f"Hi {text}!", VALUES) == "Hi !"


def test_a_value_is_inserted_as_it_is_never_filled_again():
    assert fill("{store_name}", {"store_name": "{address} {{"}) == "{address} {{"


@pytest.mark.parametrize(
    "text,message",
    [
        ("{store_name:>2000}", "{store_name:>2000} is not allowed: a placeholder is its name alone (no format spec, conversion, attribute or index), e.g. {store_name}."),
        ("{address.__class__.__base__.__subclasses__}", "{address.__class__.__base__.__subclasses__} is not allowed"),
        ("{store_name!r}", "{store_name!r} is not allowed"),
        ("{item[0]}", "{item[0]} is not allowed"),
        ("{shop}", "Unknown placeholder {shop}."),
        ("{}", "Unknown placeholder {}."),
        ("Hours: 9-5 }", "A lone '}': write '}}'"),
        ("{store_name", "A lone '{': write '{{'"),
    ],
)
def test_anything_that_looks_like_a_placeholder_but_is_not_one_is_refused_with_the_list(text, message):
    with pytest.raises(ValidationError) as caught:
        validate_text(text)
    assert message in caught.value.messages[0]
    assert caught.value.messages[0].endswith("Use only these placeholders: " + ", ".join("{" + n + "}" for n in PLACEHOLDERS) + ".")


@pytest.mark.parametrize("text", ["", "Plain words.", "Welcome to {store_name} at {address}.", "{{literal}} braces }}"])
def test_documented_placeholders_and_escaped_braces_are_accepted(text):
    validate_text(text)


@pytest.mark.parametrize("field", ["greeting_message", "hold_message"])
def test_the_models_own_validation_refuses_it_too(store, field):
    # What the Django admin's form runs (it saves rows itself, not through the API's serializers).
    setattr(store, field, "Hi {address.__class__}")
    with pytest.raises(ValidationError) as caught:
        store.full_clean()
    assert list(caught.value.message_dict) == [field]
