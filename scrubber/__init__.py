"""The scrubbing engine (``scrub_text``, ``scrub_mapping``) and its logging adapters."""

__all__: list[str] = []
