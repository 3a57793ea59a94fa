"""Edge out: SQLAlchemy Core tables and queries. Functions take a Connection and never commit.

May import `tvox_journey.domain` and SQLAlchemy.
"""
