from callcenter.routing import route
from store import api

app_name = "store"

PK = r"(?P<pk>[0-9]{1,18})"

urlpatterns = [
    route(r"api/stores", api.StoresView.as_view(), "stores"),
    route(r"api/stores/(?P<slug>[-a-zA-Z0-9_]+)", api.StoreView.as_view(), "store"),
    route(r"api/store-info", api.StoreInfoView.as_view(), "info"),
    route(r"api/settings", api.SettingsView.as_view(), "settings"),
    route(r"api/audit-log", api.AuditLogView.as_view(), "audit-log"),
    route(r"api/departments", api.DepartmentsView.as_view(), "departments"),
    route(rf"api/departments/{PK}", api.DepartmentView.as_view(), "department"),
    route(r"api/inventory", api.InventoryView.as_view(), "inventory"),
    route(rf"api/inventory/{PK}", api.InventoryItemView.as_view(), "inventory-item"),
    route(r"api/coupons", api.CouponsView.as_view(), "coupons"),
    route(rf"api/coupons/{PK}", api.CouponView.as_view(), "coupon"),
    route(r"api/voice-templates", api.VoiceTemplatesView.as_view(), "voice-templates"),
    route(rf"api/voice-templates/{PK}", api.VoiceTemplateView.as_view(), "voice-template"),
    route(r"api/staff", api.StaffView.as_view(), "staff"),
    route(rf"api/staff/{PK}", api.StaffMemberView.as_view(), "staff-member"),
    route(r"api/faqs", api.FaqsView.as_view(), "faqs"),
    route(rf"api/faqs/{PK}", api.FaqView.as_view(), "faq"),
]
