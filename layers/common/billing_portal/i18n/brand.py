"""Who the portal speaks for: the provider's name, the portal's name and the billing team's contacts, in
each language where they differ. Template parameters of the stack (ProviderName, PortalName, ...), so that a
provider adopting the portal renames it without touching code; the catalogues hold placeholders for them."""

from __future__ import annotations

from billing_portal.i18n.text import Language
from billing_portal.shared.settings import FunctionSettings, settings_loader


class BrandSettings(FunctionSettings):
    provider_name_en: str
    provider_name_fr: str
    portal_name_en: str
    portal_name_fr: str
    billing_email: str
    billing_phone_en: str
    billing_phone_fr: str

    def names(self, language: Language) -> dict[str, str]:
        """The placeholders every message may use, except `billing_team`, which is a message of its own."""
        return {
            "provider": getattr(self, f"provider_name_{language}"),
            "portal": getattr(self, f"portal_name_{language}"),
            "billing_email": self.billing_email,
            "billing_phone": getattr(self, f"billing_phone_{language}"),
        }


brand_settings = settings_loader(BrandSettings)
