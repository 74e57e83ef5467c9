"""sfprov: provision Salesforce users from Microsoft Entra ID, with a plan you can read first."""

__version__ = "0.1.0.dev0"
