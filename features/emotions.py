"""The four emotions, in the one order used everywhere (alphabetical)."""

EMOTIONS: tuple[str, ...] = ("anger", "fear", "joy", "sadness")
