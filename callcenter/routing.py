"""Path helper: every API path answers with and without a trailing slash."""
from django.urls import re_path


def route(pattern: str, view, name: str):
    """`pattern` is a regex without anchors or trailing slash, e.g. r"api/calls/(?P<ref>[^/]+)"."""
    return re_path(rf"^{pattern}/?$", view, name=name)
