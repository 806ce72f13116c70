"""Re-export shim: agents.models (the nets helper's, to become a shim itself) still imports MODEL_DEFAULTS from here; use agents.config."""

from agents.config import MODEL_DEFAULTS as MODEL_DEFAULTS
