"""The commented starter file `sfprov init` writes, and the JSON schema of the config.

The starter must always parse: a test loads it through the real loader, so it cannot drift from the models.
"""

from __future__ import annotations

import json
from typing import Any

from sfprov.config.models import SfprovConfig

STARTER = """\
# sfprov configuration. Step by step: docs/setup-real-tenant.md; every key: docs/sfprov.schema.json.
# Secrets are never written here: give {env: VARIABLE} or {file: /path/readable/only/by/sfprov}.
version: 1

state:
  # SQLite by default (one file, zero setup). For production and several workers use PostgreSQL:
  #   url: postgresql+psycopg://sfprov@db.example.com/sfprov
  url: sqlite:///sfprov-state.db

source:
  # Entra admin center > App registrations > your sfprov app > Overview.
  tenant_id: contoso.onmicrosoft.com
  client_id: 00000000-0000-0000-0000-000000000000
  # Certificates & secrets > New client secret. Or use a certificate instead:
  #   certificate: {private_key: {file: /etc/sfprov/entra.key}, thumbprint: <40 hex characters>}
  client_secret: {env: SFPROV_ENTRA_CLIENT_SECRET}
  # Needs Microsoft Graph application permissions User.Read.All, GroupMember.Read.All and
  # Application.Read.All, with admin consent. `sfprov doctor` checks them.
  # US Government: authority_url: https://login.microsoftonline.us, graph_url: https://graph.microsoft.us/v1.0
  scope:
    # app_assignment: users and groups assigned to the Salesforce enterprise app (the gallery app's way);
    #   the app role each holds is the Salesforce profile.
    # groups: members of these groups (nested included); works without Entra ID P1/P2.
    # all_users: everybody (use scoping filters below to narrow it).
    mode: groups
    groups: ["Salesforce - Licensed Users"]
    # app_id: <Application (client) ID of the Salesforce enterprise app>   # for mode app_assignment

# How Entra users become Salesforce users. `gallery` is exactly the Entra gallery app's mapping;
# `recommended` adds FederationIdentifier (for SAML SSO) and CommunityNickname.
mapping:
  defaults: recommended
  # With mode groups there are no app roles: give the profile by group (lower priority wins), or a default.
  profile_source: group_rules
  profile_rules:
    - {group: "Salesforce - Licensed Users", profile: "Standard User", priority: 10}
  profile_default: Chatter Free User
  # attributes:
  #   - {target: Department, source: department}
  #   - {target: Alias, expression: 'Mid(ToLower([givenName]), 1, 1) & Mid(ToLower([surname]), 1, 7)'}

# Entra-style scoping filters, applied after the scope above (filters are OR-ed, clauses AND-ed).
# scoping:
#   filters:
#     - clauses: [{attribute: userType, operator: EQUALS, value: Member}]

targets:
  - name: production
    kind: production          # production | sandbox | government
    login:
      # Recommended: OAuth client credentials through an External Client App with a Run As user.
      method: client_credentials
      my_domain_url: https://contoso.my.salesforce.com
      client_id: 3MVG9...consumer-key
      client_secret: {env: SFPROV_SF_CLIENT_SECRET}
      # Gallery-app parity (disabled by default in new orgs, retired in Summer '27):
      #   method: soap
      #   username: integration@contoso.com
      #   password: {env: SFPROV_SF_PASSWORD}
      #   security_token: {env: SFPROV_SF_TOKEN}
    api_reserve: 0.2          # share of the daily API allowance left for the org's other integrations
    concurrency: 4
    safety:
      max_deactivations: 50           # more than this in one cycle are staged until --allow-deactivations
      max_deactivation_share: 0.1
      skip_out_of_scope_deletions: false
      freeze_before_deactivate: false
      remove_permission_sets_on_deactivate: true
    # licence_prices: {Salesforce: 165.0, "Salesforce Platform": 25.0}

run:
  interval_seconds: 60

# notifications:
#   host: smtp.example.com
#   port: 587
#   sender: sfprov@example.com
#   recipients: [it-ops@example.com]
#   username: sfprov
#   password: {env: SFPROV_SMTP_PASSWORD}
"""


def json_schema() -> dict[str, Any]:
    schema = SfprovConfig.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "sfprov configuration"
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
