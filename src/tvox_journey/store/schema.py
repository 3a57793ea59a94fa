"""The tables: the only place columns are named."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
Seq = BigInteger().with_variant(Integer(), "sqlite")

# Every request that reached a webhook route (or an unknown path), verbatim, with its outcome.
event_log = Table(
    "event_log",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("method", String(16), nullable=False),
    Column("path", Text, nullable=False),
    Column("route", String(64), nullable=False),  # canonical route key, e.g. service/ring
    Column("params", JSON, nullable=False),  # [[name, value], ...] as received
    Column("body", LargeBinary, nullable=True),  # only when it could not be decoded into params
    Column("remote_addr", String(64), nullable=True),
    Column("outcome", String(16), nullable=False),  # accepted|duplicate|rejected|unrecognized|action
    Column("status_code", Integer, nullable=False),
    Column("reason", Text, nullable=True),
    Column("dedupe_key", String(64), nullable=True, unique=True),
    Column("call_id", String(255), nullable=True),
    Column("event", JSON(none_as_null=True), nullable=True),  # the parsed CallEvent, for re-folding
    Column("actor", String(64), nullable=True),  # the user, for recorded actions
    # Refused requests (store/refused.py): one row counts the refusals of an address, route and status
    # within a window (its dedupe_key is that flood key); the size of the request, of which only an
    # excerpt is kept.
    Column("seen_count", Integer, nullable=False, server_default=text("1")),
    Column("last_seen_at", DateTime(timezone=True), nullable=True),
    Column("request_bytes", BigInteger, nullable=True),
    # Webhook rows: how many of `params` came from the URI's query string (the rest from a POST body),
    # so that a replay reads the request as the webhook did (ingest/requests.py).
    Column("query_pairs", Integer, nullable=True),
    Column("number_key", String(64), nullable=True),  # the event's number, normalized: the number filter
    Column("replay_of", BigInteger, nullable=True),  # the row this one replays (replay.py); never a FK
    Column("request_id", String(64), nullable=True),  # the X-Request-ID it was answered with (web/guard)
    # A number is never handed out twice, even once the newest rows are deleted (migration 0013):
    # the live log followers pass each number once.
    sqlite_autoincrement=True,
)
# The log's filters (store/log_query.py): each one an index in the log's order, newest first by
# receipt time then sequence number, so that a page of any one filter is a short index range.
Index("ix_event_log_call_id", event_log.c.call_id, event_log.c.received_at, event_log.c.seq)
Index("ix_event_log_received_at", event_log.c.received_at, event_log.c.seq)
Index("ix_event_log_route", event_log.c.route, event_log.c.received_at, event_log.c.seq)
# Every outcome but accepted, most of the log: that filter reads another index (store/log_query.py).
Index(
    "ix_event_log_outcome",
    event_log.c.outcome,
    event_log.c.received_at,
    event_log.c.seq,
    sqlite_where=text("outcome <> 'accepted'"),
    postgresql_where=text("outcome <> 'accepted'"),
)
Index(
    "ix_event_log_number_key",
    event_log.c.number_key,
    event_log.c.received_at,
    event_log.c.seq,
    sqlite_where=text("number_key IS NOT NULL"),
    postgresql_where=text("number_key IS NOT NULL"),
)
Index(
    "ix_event_log_replay_of",
    event_log.c.replay_of,
    sqlite_where=text("replay_of IS NOT NULL"),
    postgresql_where=text("replay_of IS NOT NULL"),
)
# The retention prune's scan: rejected rows by age, without indexing any other row.
Index(
    "ix_event_log_rejected_received_at",
    event_log.c.received_at,
    sqlite_where=text("outcome = 'rejected'"),
    postgresql_where=text("outcome = 'rejected'"),
)

# The read model: one row per call id, refolded from the log on every event.
interactions = Table(
    "interactions",
    metadata,
    Column("call_id", String(255), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("direction", String(3), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("number_key", String(64), nullable=True),
    Column("is_internal", Boolean, nullable=False, default=False),
    Column("agent", String(255), nullable=True),
    Column("service", String(255), nullable=True),
    Column("sort_at", DateTime(timezone=True), nullable=False),  # see Interaction.sort_instant
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Column("data", JSON, nullable=False),  # the whole Interaction
    Column("search_text", Text, nullable=False, default=""),  # popup values, for search
    Column("last_seq", Seq, nullable=False),
    Column("cleared", Boolean, nullable=False, default=False),
    # Copies of the fold's figures for the reports (reports.py), refolded with the row, so that the
    # aggregates read columns, never the JSON: ring to answer, the answering agent's own talk (answer to
    # their hangup or their transfer), and the transfer legs.
    Column("wait_ms", BigInteger, nullable=True),
    Column("talk_ms", BigInteger, nullable=True),
    Column("transfers", Integer, nullable=False, server_default=text("0")),
)
# Journeys: page order, and the header's counts read from the index alone (never the JSON rows).
Index(
    "ix_interactions_journey",
    interactions.c.number_key,
    interactions.c.sort_at,
    interactions.c.call_id,
    interactions.c.kind,
    interactions.c.cleared,
    interactions.c.is_internal,
    interactions.c.outcome,
)
Index("ix_interactions_sort_at", interactions.c.sort_at)
Index("ix_interactions_outcome", interactions.c.outcome)
# The reports: a period's rows read from the index alone (store/reports.py), whatever their JSON's size.
Index(
    "ix_interactions_report",
    interactions.c.sort_at,
    interactions.c.kind,
    interactions.c.direction,
    interactions.c.outcome,
    interactions.c.service,
    interactions.c.agent,
    interactions.c.transfers,
    interactions.c.wait_ms,
    interactions.c.talk_ms,
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False, default=""),
    Column("surname", String(255), nullable=False, default=""),
    Column("company", String(255), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_contacts_surname", contacts.c.surname)

contact_numbers = Table(
    "contact_numbers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("contact_id", Integer, ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
    Column("raw", String(64), nullable=False),  # as entered or received
    Column("number_key", String(64), nullable=False),
    Column("position", Integer, nullable=False, default=0),
    UniqueConstraint("contact_id", "number_key", name="uq_contact_numbers_contact_key"),
)
Index("ix_contact_numbers_number_key", contact_numbers.c.number_key)

# The directory of agents and services (the tutorial hard-coded their names): one entry per person or
# service with its display name, and every code TVox sends for it (username, PIN, extension...). Pages
# resolve codes to names when they read, so a change re-labels history at once.
directory_entries = Table(
    "directory_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # agent|service
    Column("name", String(255), nullable=False),
    UniqueConstraint("id", "kind", name="uq_directory_entries_id_kind"),  # the target of the codes' key
)
directory_codes = Table(
    "directory_codes",
    metadata,
    Column("kind", String(16), primary_key=True),  # a code is unique per kind
    Column("code", String(255), primary_key=True),
    Column("entry_id", Integer, nullable=False),
    Column("label", String(16), nullable=True),  # username|pin|extension|other: what the code is
    # (entry, kind): a code can only belong to an entry of its own kind.
    ForeignKeyConstraint(
        ["entry_id", "kind"],
        ["directory_entries.id", "directory_entries.kind"],
        name="fk_directory_codes_entry_id_directory_entries",
        ondelete="CASCADE",
    ),
)
Index("ix_directory_codes_entry_id", directory_codes.c.entry_id)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),  # admin|supervisor|agent|viewer
    Column("api_token_hash", String(128), nullable=True, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Variable mappings edited on the admin page: per route, incoming name -> TVox variable.
variable_mappings = Table(
    "variable_mappings",
    metadata,
    Column("route", String(64), primary_key=True),
    Column("incoming", String(255), primary_key=True),
    Column("variable", String(255), nullable=False),
)

# Login sessions: the cookie carries a random token, this table its hash. Deleting a row ends the session
# in every process (logout; a password or role change or a removal deletes all of a user's).
sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
Index("ix_sessions_user_id", sessions.c.user_id)
Index("ix_sessions_expires_at", sessions.c.expires_at)

# Login attempts counted per key (a user name or a client address) in a fixed window, shared by every
# process; rows whose window has passed are deleted.
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("window_start_ms", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False),
)
Index("ix_login_attempts_window_start_ms", login_attempts.c.window_start_ms)

# Values every process must share, made once: the secret key when TVOX_JOURNEY_SECRET_KEY is unset.
app_keys = Table(
    "app_keys",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(255), nullable=False),
)

# The outcomes an agent may give a note ("Risolto", "Da richiamare", ...), kept by admins: renamed,
# reordered, deactivated, never deleted (old notes keep theirs).
note_outcomes = Table(
    "note_outcomes",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("label_it", String(80), nullable=False),
    Column("label_en", String(80), nullable=False),
    Column("position", Integer, nullable=False, default=0),
    Column("active", Boolean, nullable=False, default=True),
)

# Notes people write on a call (services/notes.py). A note belongs to the call's interaction and goes
# with it (an erasure deletes the interaction). `search_text` is the text case-folded, what the
# contacts search matches.
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_id", String(255), ForeignKey("interactions.call_id", ondelete="CASCADE"), nullable=False),
    Column("author", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("search_text", Text, nullable=False),
    Column("outcome", String(32), ForeignKey("note_outcomes.code"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_notes_call_id", notes.c.call_id, notes.c.id)
