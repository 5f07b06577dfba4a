"""Speech models: the manifest of known models (name, address, size, SHA-256) and the downloaded models."""
