"""Domain-free helpers. Nothing here knows about workspaces, customers or any other model."""
