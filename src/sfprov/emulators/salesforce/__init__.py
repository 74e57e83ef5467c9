"""Emulator of Salesforce orgs: REST, SOAP login(), OAuth, SOQL, User rules, limits and faults."""
