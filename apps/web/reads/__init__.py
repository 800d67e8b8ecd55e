"""Read-models of the pages (and of the API endpoints that serve the same data): stored rows only."""
