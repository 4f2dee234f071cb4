"""PII detectors: a fast pattern tier with validators, and an optional NER tier.

Importing this package loads no model and reads no file.
"""

from detectors._base import BatchDetector, Detector, Finding

__all__ = ["BatchDetector", "Detector", "Finding"]
