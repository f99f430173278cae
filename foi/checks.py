"""System checks of foi: the key that encrypts applicants' identity numbers."""

import base64
import binascii

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def check_id_key(app_configs, **kwargs):
    """Refuse an unusable FOI_ID_KEY; outside DEBUG, warn when there is none."""
    key = getattr(settings, "FOI_ID_KEY", "")
    if key:
        try:
            usable = len(base64.urlsafe_b64decode(key)) == 32
        except (binascii.Error, ValueError):
            usable = False
        if not usable:
            return [
                Error(
                    "FOI_ID_KEY must be 32 bytes in urlsafe base64.",
                    hint='python -c "import base64,os;print(base64.urlsafe_b64encode('
                    'os.urandom(32)).decode())"',
                    id="foi.E001",
                )
            ]
        return []
    if settings.DEBUG or getattr(settings, "DEMO_MODE", False):
        return []
    return [
        Warning(
            "FOI_ID_KEY is not set: applicants' identity numbers are encrypted with a key "
            "derived from SECRET_KEY, and changing SECRET_KEY would make them unreadable.",
            hint="Set FOI_ID_KEY (README: configuration).",
            id="foi.W001",
        )
    ]
