"""Faithful local emulators of a Salesforce org and a Microsoft Entra tenant.

They serve real HTTPS with a locally minted CA so that every test exercises the same code path a real
deployment does; only the host names and the CA bundle differ.
"""
