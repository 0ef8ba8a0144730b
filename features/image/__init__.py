"""Image features: decode (`decode`) → a pretrained CNN backbone (`backbones`) → pooled activations
(`extractor`), cached by content hash (`cache`)."""
