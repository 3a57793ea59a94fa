"""Use cases, one transaction each: the caller passes a Connection inside a transaction.

One module per use case, imported by its callers (nothing is re-exported here):
`recording` (webhook deliveries, the audit trail, refolding calls), `contacts`
(contacts, their numbers, clearing a journey), `legacy` (the tutorial's
db.json) and `accounts` (users, passwords, API tokens).

May import `domain`, `ingest`, `transfer` and `store` (no web, no live).
"""
