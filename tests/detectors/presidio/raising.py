"""A custom Presidio recognizer that fails on one kind of line (for fail-closed tests)."""

from presidio_analyzer import EntityRecognizer, RecognizerResult


class RaisingRecognizer(EntityRecognizer):
    """Finds BADGE-nnnn ids, and raises on lines holding 'boom'."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_entities=["BADGE"], supported_language=supported_language)

    def load(self) -> None:
        """Nothing to load."""

    def analyze(self, text, entities, nlp_artifacts=None):
        """Raise on 'boom'; otherwise report BADGE-nnnn ids."""
        if "boom" in text:
            raise RuntimeError(f"recognizer crashed on {text}")
        at = text.find("BADGE-")
        if at < 0:
            return []
        return [RecognizerResult("BADGE", at, at + 10, 0.9)]
