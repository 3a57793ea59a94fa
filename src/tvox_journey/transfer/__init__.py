"""Pure conversions between the database's objects and outside formats (the tutorial's db.json).

May import `domain` and `ingest.contract`.
"""
