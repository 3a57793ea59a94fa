"""Pure domain: call events, interactions, the fold, phone numbers.

May import the standard library and `phonenumbers` (a pure library) only.
"""
