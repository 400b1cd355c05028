from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "giftoffice.sandbox"
    label = "sandbox"
    verbose_name = "Sandbox (supplier simulators)"
