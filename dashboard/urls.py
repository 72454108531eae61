from rest_framework.routers import SimpleRouter

from callcenter.routing import route
from dashboard import api

app_name = "dashboard"



class Router(SimpleRouter):
    """Every path answers with and without a trailing slash; ids are numbers."""

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"


router = Router()
router.register(r"api/plans", api.SubscriptionPlanViewSet, basename="plan")
router.register(r"api/subscriptions", api.SubscriptionViewSet, basename="subscription")
router.register(r"api/billing", api.BillingRecordViewSet, basename="billing")
router.register(r"api/customers", api.CustomerViewSet, basename="customer")
router.register(r"api/callbacks", api.CallbackViewSet, basename="callback")
router.register(r"api/queue", api.QueueViewSet, basename="queue")
router.register(r"api/agent-profiles", api.AgentProfileViewSet, basename="agent-profile")
router.register(r"api/ai-agents", api.AIAgentViewSet, basename="ai-agent")

urlpatterns = [
    route(r"api/dashboard/comprehensive", api.ComprehensiveDashboardAPIView.as_view(), "comprehensive"),
    *router.urls,
]
