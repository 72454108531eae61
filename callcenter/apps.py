from django.apps import AppConfig


class CallcenterConfig(AppConfig):
    name = "callcenter"
    default_auto_field = "django.db.models.BigAutoField"
