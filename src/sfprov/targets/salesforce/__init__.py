"""Salesforce target connector: login methods, REST client, batched user writes, limits."""
