"""`/agents/`: each AI agent's persona, voice, training level and what it achieved on calls (calls handled,
conversion, satisfaction), counted from the hourly call totals. Staff read; paged for stores with many agents."""
from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse

from dashboard.queries import ai_agent_performance
from dashboard.views.common import chosen_store, page, staff_required
from voice.models import AIAgent

PAGE_SIZE = 50


@staff_required
def ai_agents(request: HttpRequest) -> HttpResponse:
    store = chosen_store(request)
    agents = AIAgent.objects.for_user(request.user) if store is None else AIAgent.objects.in_stores([store.pk])
    if request.GET.get("training") == "incomplete":
        agents = agents.filter(training_level__lt=AIAgent.READY_TRAINING_LEVEL)
    page_obj = Paginator(agents.select_related("store").order_by("store__name", "created_at", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page_obj.object_list)
    performance = ai_agent_performance([a.pk for a in rows])
    context = {
        "page_obj": page_obj,
        "agents": [{"agent": a, "perf": performance[a.pk]} for a in rows],
        "ready_level": AIAgent.READY_TRAINING_LEVEL,
        "query": "training=incomplete" if request.GET.get("training") == "incomplete" else "",
        "highlight": request.GET.get("agent", ""),
    }
    return page(request, "dashboard/agents.html", context, store=store)
