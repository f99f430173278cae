from django.apps import AppConfig


class ProvincialSimulatorConfig(AppConfig):
    name = "provincial_simulator"
    verbose_name = "省一体化平台模拟器"
