"""Swagger documentation of GET /api/dashboard/comprehensive/: the response of each role, with an example.

The examples (examples.json) are real answers on the data set of tests/dashboard/conftest.py,
with lists cut to their first items; tests/dashboard/test_comprehensive.py checks that they keep
the sections and keys the view answers with.
"""
from __future__ import annotations

import json
from pathlib import Path

from drf_yasg import openapi

EXAMPLES: dict[str, dict] = json.loads((Path(__file__).parent / "examples.json").read_text())

_obj = openapi.TYPE_OBJECT
_COMMON = {
    "dashboard_type": openapi.Schema(type=openapi.TYPE_STRING, enum=["admin_comprehensive", "user_comprehensive", "agent_comprehensive"]),
    "summary_stats": openapi.Schema(type=_obj, description="The role's headline figures (cards)."),
    "quick_actions": openapi.Schema(
        type=openapi.TYPE_ARRAY,
        description="Links the role can use: id, title, description, icon, count, enabled, url, method, color.",
        items=openapi.Schema(type=_obj),
    ),
    "alerts": openapi.Schema(
        type=openapi.TYPE_ARRAY,
        description="From real conditions, errors first: id, type and severity (error/warning/info), title, message, count, action_text, action_url, store.",
        items=openapi.Schema(type=_obj),
    ),
    "performance_trends": openapi.Schema(
        type=_obj,
        description="Per figure: today, week, previous_week, month, previous_month, week_over_week and month_over_month "
        "({current, previous, change_percentage, trend: up/down/stable}), trend (the week's).",
    ),
    "generated_at": openapi.Schema(type=openapi.TYPE_STRING, format=openapi.FORMAT_DATETIME),
    "data_freshness": openapi.Schema(type=openapi.TYPE_STRING, enum=["real_time"]),
}
SECTIONS = {
    "admin": ["user_info", "subscription_metrics", "billing_revenue", "call_statistics", "ai_agent_metrics", "customer_management", "callback_management", "recent_activities"],
    "user": ["user_profile", "subscription_info", "ai_agent_info", "call_statistics", "customer_management", "callback_management", "billing_info", "dashboard_summary"],
    "agent": ["agent_info", "performance_metrics", "queue_information"],
}
_ROLE_NAMES = {"admin": "Platform admin (role `admin`)", "user": "Business owner (role `user`)", "agent": "Agent (role `agent`)"}


def _block(role: str) -> str:
    sections = ", ".join(f"`{name}`" for name in SECTIONS[role])
    return f"### {_ROLE_NAMES[role]}\n\nSections: {sections}.\n\n```json\n{json.dumps(EXAMPLES[role], indent=1)}\n```\n"


DESCRIPTION = (
    "Everything the signed-in user's dashboard shows, in one answer and a fixed number of queries. The role is the "
    "user's own: `?role=` is ignored. An owner's figures cover their stores, an agent's their own work and their "
    "store's queue, an admin's the whole platform; `?store=<slug>` narrows to one store (404 for a store you may not "
    "see), whose time zone then sets today, this week (from Monday) and this month. Previous spans end at the same "
    "point of their week or month as now. Calls handled and conversions are counted from calls: a conversion is a "
    "call whose outcome is `converted`; minutes used are each call's started minutes in the subscription period.\n\n"
    + "\n".join(_block(role) for role in ("admin", "user", "agent"))
)

RESPONSE = openapi.Response(
    "The dashboard of the signed-in user's role: the common keys below plus the role's sections (see the examples "
    "above for owners and agents; the example here is an admin's).",
    schema=openapi.Schema(
        type=_obj,
        required=list(_COMMON),
        properties={
            **_COMMON,
            **{name: openapi.Schema(type=_obj, description=f"{', '.join(r for r in SECTIONS if name in SECTIONS[r])} only") for role in SECTIONS for name in SECTIONS[role]},
        },
    ),
    examples={"application/json": EXAMPLES["admin"]},
)
