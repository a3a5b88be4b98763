"""Complaint routing suggester (投诉分办建议): learns from the installation's own past routing.

Pure Python (jieba + scikit-learn); no Django, no model download. See docs/routing.md.
"""

from .suggest import RoutingModel, duplicates, prepare, tokenize

__all__ = ["RoutingModel", "duplicates", "prepare", "tokenize"]
