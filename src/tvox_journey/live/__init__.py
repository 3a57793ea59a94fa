"""Live updates: an in-process broadcaster of committed changes.

May import `domain` and asyncio.
"""
