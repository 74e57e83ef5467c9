"""Attribute mapping from Entra source users to Salesforce users: expressions, rules, scoping.

* ``config`` / ``scoping_config`` — the ``mapping:`` and ``scoping:`` sections (pydantic); ``config_errors``
  reports every problem at its key path;
* ``defaults`` — the gallery app's default mapping and sfprov's recommended additions;
* ``mapper`` — ``map_user(SourceUser, MappingConfig, ...) -> DesiredUser``, ``matching_values`` (the lookup values
  alone, cheap) and ``source_attributes``;
* ``salesforce_rules`` / ``picklists`` / ``salesforce_fields`` — what Salesforce accepts, checked before sending;
* ``sandbox`` — username and e-mail suffixes for sandbox targets;
* ``entitlements`` — profile, permission sets and role from app roles or group rules;
* ``scoping`` — Entra's scoping filters;
* ``explain`` — the value of every field with the rule that produced it;
* ``expressions`` — Entra's expression language.

See docs/dev/mapping.md.
"""
