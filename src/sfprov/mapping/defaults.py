"""The default attribute mappings: the Entra gallery app's, and sfprov's recommended additions.

``gallery`` is the gallery app's object mapping "Synchronize Azure Active Directory Users to salesforce.com" exactly
as Microsoft publishes it (reference ``salesforce.md`` §13.4, from the Graph ``objectMapping`` sample): every
mapping ``flowType: Always``; ``Username`` is the only matching attribute; the four picklist keys and three feature
licences have no source, only a default (Entra mapping type "None"), so they are set when a user is created and left
alone afterwards.

``recommended`` adds two mappings the gallery app leaves to the administrator:

* ``FederationIdentifier ← [userPrincipalName]``: Salesforce SAML single sign-on with "Federation ID" as the user
  identity location looks users up by this field, and the Entra Salesforce SSO app sends ``user.userprincipalname``
  as the NameID by default. Without it, SSO works only for users an administrator edits by hand. Change the source
  if your SSO app sends another claim (``mail``, ``employeeid``). B2B guests: the NameID Entra sends is the guest's
  UPN in your tenant (with ``#EXT#``), so map ``[originalUserPrincipalName]`` if guests sign in with SSO.
* ``CommunityNickname ← Word([userPrincipalName], 1, "@")``, only on create: Salesforce requires the nickname to be
  unique in the org (``DUPLICATE_COMM_NICKNAME``) and fills it itself when omitted, from the e-mail local part,
  which collides for ``j.smith@contoso.com`` and ``j.smith@fabrikam.com``. sfprov derives it from the UPN's local
  part (UPNs are unique in the tenant; for guests the mapping reads the home UPN, never ``#EXT#``) and makes it
  unique with a stable suffix (``salesforce_rules.unique_nickname``). ``mailNickname`` is not used: a guest's
  carries ``#EXT#``. Create-only, because users edit their nickname in Salesforce and it must not churn.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from sfprov.mapping.config import AttributeMapping

_GALLERY: tuple[dict[str, Any], ...] = (
    {"target": "IsActive", "expression": "Not([IsSoftDeleted])", "default": "True"},
    {"target": "Alias", "expression": "Mid([userPrincipalName], 1, 8)"},
    {"target": "Email", "source": "mail"},
    {"target": "EmailEncodingKey", "type": "none", "default": "ISO-8859-1"},
    {"target": "LanguageLocaleKey", "type": "none", "default": "en_US"},
    {"target": "FirstName", "source": "givenName"},
    {"target": "LastName", "source": "surname", "default": "."},
    {"target": "LocaleSidKey", "expression": 'Replace([preferredLanguage], "-", , , "_", , )', "default": "en_US"},
    {
        "target": "ProfileName",
        "expression": "SingleAppRoleAssignment([appRoleAssignments])",
        "default": "Chatter Free User",
    },
    {"target": "TimeZoneSidKey", "type": "none", "default": "America/Los_Angeles"},
    {"target": "Username", "source": "userPrincipalName", "matching": 1},
    {"target": "UserPermissionsCallCenterAutoLogin", "type": "none", "default": "False"},
    {"target": "UserPermissionsMarketingUser", "type": "none", "default": "False"},
    {"target": "UserPermissionsOfflineUser", "type": "none", "default": "False"},
)

_RECOMMENDED_EXTRA: tuple[dict[str, Any], ...] = (
    {"target": "FederationIdentifier", "source": "userPrincipalName"},
    {"target": "CommunityNickname", "expression": 'Word([userPrincipalName], 1, "@")', "flow": "on_create"},
)


@lru_cache(maxsize=4)
def default_attributes(which: Literal["gallery", "recommended", "none"]) -> tuple[AttributeMapping, ...]:
    """The attribute mappings a ``defaults:`` choice starts from."""
    if which == "none":
        return ()
    rows = _GALLERY if which == "gallery" else _GALLERY + _RECOMMENDED_EXTRA
    return tuple(AttributeMapping.model_validate(row) for row in rows)
