"""The JSON API under /api/v1: models, contacts and journeys, interactions, search, export, docs."""
