"""Entra's attribute-mapping expression language: parser, printer and evaluator."""
