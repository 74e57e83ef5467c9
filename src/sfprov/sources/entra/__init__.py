"""Microsoft Entra ID source: MSAL tokens, Graph reads (full and delta), scope and roles."""
