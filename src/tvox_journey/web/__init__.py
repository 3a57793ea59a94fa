"""The web edge: app factory, webhooks, JSON API, pages, live stream, errors."""
