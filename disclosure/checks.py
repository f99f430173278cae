"""System checks of the site's identity settings (《政府网站发展指引》, 国办发〔2017〕47号)."""

import re

from django.conf import settings
from django.core.checks import Error, Warning, register

# 网站标识码: 10 characters; observed forms are a 6-digit division code and a 4-digit serial
# (4301000001) and "bm" and 8 digits for State Council departments; the formal rule is not
# published (docs/site-rules.md: unverified), so other forms only warn.
ID_CODE = re.compile(r"^(\d{10}|bm\d{8}|\d{2}BM\d{6})$")


@register("disclosure")
def check_site_identity(app_configs, **kwargs):
    """Warn when a production site lacks the footer identity inspectors check; refuse a
    register URL template that cannot take the filing number."""
    problems = []
    if "{code}" not in settings.SITE_PSB_URL:
        problems.append(
            Error(
                "SITE_PSB_URL must contain {code} (the digits of the 公安机关备案号).",
                id="disclosure.E001",
            )
        )
    if settings.SITE_ID_CODE and not ID_CODE.match(settings.SITE_ID_CODE):
        problems.append(
            Warning(
                f"SITE_ID_CODE {settings.SITE_ID_CODE!r} is not 10 digits or bm + 8 digits.",
                id="disclosure.W002",
            )
        )
    if not settings.DEMO_MODE:
        missing = [
            name
            for name in ("SITE_SPONSOR", "SITE_ID_CODE", "SITE_ICP", "SITE_PSB", "SITE_PHONE")
            if not getattr(settings, name)
        ]
        if missing:
            problems.append(
                Warning(
                    "A government site shows its identity in the footer; not set: "
                    + ", ".join(missing),
                    hint="Set them in the environment (README: configuration).",
                    id="disclosure.W001",
                )
            )
    return problems
