"""The Kafka stream-processor sidecar (``logward stream``): Kafka in, scrubbed out.

kafka-python, elasticsearch and prometheus_client are imported only inside
this package (the ``stream`` extra), never by ``import scrubber``.
"""

from logward.stream._codec import REDACTIONS_HEADER, SOURCE_HEADER
from logward.stream._config import StreamConfig, load_config
from logward.stream._processor import Processor
from logward.stream._record import CleanRecord, InRecord, QuarantinedRecord

__all__ = [
    "REDACTIONS_HEADER",
    "SOURCE_HEADER",
    "CleanRecord",
    "InRecord",
    "Processor",
    "QuarantinedRecord",
    "StreamConfig",
    "load_config",
]
