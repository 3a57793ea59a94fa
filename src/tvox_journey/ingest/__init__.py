"""Edge in: the wire contract (routes, variable names) and the pure parser.

May import `tvox_journey.domain` and the standard library only.
"""
