"""Emulator of a Microsoft Entra tenant: the v2.0 token endpoint and Microsoft Graph v1.0."""
