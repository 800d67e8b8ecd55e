"""No models of its own. The module exists so that Django sends this app a post_migrate signal (apps.py)."""
