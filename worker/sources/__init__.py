"""API sources: turn (window, stored cursor) into pages of items."""
