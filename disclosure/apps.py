from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    """信息公开: what the bureau discloses to the public (no login). It owns no models: it reads the
    registers and the published evaluation results through its selectors, showing only public fields."""

    name = "disclosure"
    verbose_name = "信息公开"
