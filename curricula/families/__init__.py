"""Task family modules; each registers its families with @register_family on import."""
