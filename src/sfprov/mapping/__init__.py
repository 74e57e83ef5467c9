"""Attribute mapping from Entra source users to Salesforce users: expressions, rules, scoping."""
