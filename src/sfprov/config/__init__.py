"""The sfprov configuration file: one YAML document, validated before anything is contacted."""

from sfprov.config.loader import load_config, parse_config
from sfprov.config.models import SfprovConfig

__all__ = ["SfprovConfig", "load_config", "parse_config"]
