"""Guanxi (關係): customer relationship management and service innovation for banks."""

__version__ = "0.1.0"
