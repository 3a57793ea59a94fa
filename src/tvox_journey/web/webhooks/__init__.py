"""The webhook pipeline (read, authenticate, parse, record, reply), the tutorial and native routes."""
