#include "store/migrations.h"

namespace orch::store {

// APPEND-ONLY. A migration that has been released is never edited, reordered or removed:
// databases in the field already carry its version number in `PRAGMA user_version`, and the
// next orchd decides what to apply from that number alone. Fix a released mistake with a new
// migration at the end of the list.
const std::vector<Migration>& SchemaMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "foundation: meta table recording when and by which orchd the database was created",
       R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES
  ('created_at', :now),
  ('created_by', :orchd_version);
)sql"},
      {2, "certificates, containers, collections, certificate stores and scheduled jobs",
       R"sql(
CREATE TABLE certificates (
  id            INTEGER PRIMARY KEY,
  thumbprint    TEXT NOT NULL UNIQUE,
  serial_number TEXT NOT NULL,
  issued_dn     TEXT NOT NULL,
  issuer_dn     TEXT NOT NULL,
  not_before    INTEGER NOT NULL,
  not_after     INTEGER NOT NULL,
  der           BLOB NOT NULL,
  private_key   BLOB,
  imported_at   INTEGER NOT NULL
);
CREATE INDEX certificates_issued_dn ON certificates (issued_dn COLLATE NOCASE);
CREATE INDEX certificates_not_after ON certificates (not_after);
CREATE TABLE certificate_chain (
  certificate_id INTEGER NOT NULL REFERENCES certificates (id) ON DELETE CASCADE,
  position       INTEGER NOT NULL,
  der            BLOB NOT NULL,
  PRIMARY KEY (certificate_id, position)
) WITHOUT ROWID;
CREATE TABLE containers (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE
);
CREATE TABLE certificate_collections (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
  description TEXT NOT NULL DEFAULT '',
  query       TEXT NOT NULL
);
CREATE TABLE certificate_stores (
  id                TEXT PRIMARY KEY,
  client_machine    TEXT NOT NULL,
  store_path        TEXT NOT NULL,
  store_type        INTEGER NOT NULL,
  container_id      INTEGER REFERENCES containers (id),
  agent_id          TEXT,
  agent_pool_id     TEXT,
  properties        TEXT NOT NULL DEFAULT '{}',
  create_if_missing INTEGER NOT NULL DEFAULT 0,
  password          BLOB,
  created_at        INTEGER NOT NULL,
  CHECK ((agent_id IS NULL) <> (agent_pool_id IS NULL))
) WITHOUT ROWID;
CREATE INDEX certificate_stores_client_machine
  ON certificate_stores (client_machine COLLATE NOCASE);
CREATE INDEX certificate_stores_container ON certificate_stores (container_id);
CREATE INDEX certificate_stores_agent ON certificate_stores (agent_id);
CREATE INDEX certificate_stores_pool ON certificate_stores (agent_pool_id);
CREATE TABLE jobs (
  seq                 INTEGER PRIMARY KEY,
  job_id              TEXT NOT NULL UNIQUE,
  job_type            TEXT NOT NULL,
  operation_type      INTEGER NOT NULL,
  store_id            TEXT NOT NULL REFERENCES certificate_stores (id) ON DELETE CASCADE,
  certificate_id      INTEGER NOT NULL REFERENCES certificates (id),
  alias               TEXT NOT NULL,
  overwrite           INTEGER NOT NULL,
  include_private_key INTEGER NOT NULL,
  pfx_password        BLOB,
  entry_password      BLOB,
  job_fields          TEXT NOT NULL,
  schedule            TEXT NOT NULL,
  schedule_type       TEXT,
  state               TEXT NOT NULL
                      CHECK (state IN ('Scheduled', 'Unscheduled', 'Finished')),
  next_fire           INTEGER,
  requested           INTEGER NOT NULL,
  requester_uid       INTEGER,
  requester_name      TEXT NOT NULL
);
CREATE INDEX jobs_next_fire ON jobs (next_fire) WHERE next_fire IS NOT NULL;
CREATE INDEX jobs_store ON jobs (store_id);
CREATE INDEX jobs_certificate ON jobs (certificate_id);
CREATE INDEX jobs_state ON jobs (state);
)sql"},
      {3, "agents, agent pools, agent secrets, access tokens and agent sessions",
       R"sql(
CREATE TABLE agents (
  agent_id                      TEXT PRIMARY KEY,
  client_machine                TEXT NOT NULL,
  username                      TEXT NOT NULL DEFAULT '',
  agent_platform                INTEGER NOT NULL DEFAULT 0,
  version                       INTEGER NOT NULL DEFAULT 0,
  status                        INTEGER NOT NULL DEFAULT 1 CHECK (status IN (1, 2, 3)),
  last_seen                     INTEGER,
  capabilities                  TEXT NOT NULL DEFAULT '[]',
  thumbprint                    TEXT NOT NULL DEFAULT '',
  legacy_thumbprint             TEXT NOT NULL DEFAULT '',
  auth_certificate_reenrollment INTEGER NOT NULL DEFAULT 0
                                CHECK (auth_certificate_reenrollment IN (0, 1, 2)),
  last_thumbprint_used          TEXT NOT NULL DEFAULT '',
  last_error_code               INTEGER,
  last_error_message            TEXT,
  created_at                    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX agents_client_machine ON agents (client_machine COLLATE NOCASE);
CREATE INDEX agents_thumbprint ON agents (thumbprint) WHERE thumbprint <> '';
CREATE INDEX agents_legacy_thumbprint ON agents (legacy_thumbprint)
  WHERE legacy_thumbprint <> '';
CREATE TABLE agent_pools (
  pool_id     TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
  managed     INTEGER NOT NULL DEFAULT 0,
  modified_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE agent_pool_members (
  agent_id        TEXT PRIMARY KEY REFERENCES agents (agent_id) ON DELETE CASCADE,
  pool_id         TEXT NOT NULL REFERENCES agent_pools (pool_id) ON DELETE CASCADE,
  enable_discover INTEGER NOT NULL DEFAULT 0,
  enable_monitor  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX agent_pool_members_pool ON agent_pool_members (pool_id);
CREATE TABLE agent_secrets (
  secret_id   TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  secret_hash BLOB NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('ACTIVE', 'REVOKED')),
  modified_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX agent_secrets_hash ON agent_secrets (secret_hash);
CREATE TABLE agent_access_tokens (
  token_hash BLOB PRIMARY KEY,
  secret_id  TEXT NOT NULL REFERENCES agent_secrets (secret_id) ON DELETE CASCADE,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX agent_access_tokens_secret ON agent_access_tokens (secret_id);
CREATE TABLE agent_sessions (
  token_hash   BLOB PRIMARY KEY,
  agent_id     TEXT NOT NULL REFERENCES agents (agent_id) ON DELETE CASCADE,
  secret_id    TEXT REFERENCES agent_secrets (secret_id) ON DELETE CASCADE,
  created_at   INTEGER NOT NULL,
  last_call_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX agent_sessions_agent ON agent_sessions (agent_id);
CREATE INDEX agent_sessions_secret ON agent_sessions (secret_id);
)sql"},
      {4, "runs: one row per execution of a job, the job history; overlap and catch-up counters",
       R"sql(
ALTER TABLE jobs ADD COLUMN skipped_overlap INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN missed_catchup INTEGER NOT NULL DEFAULT 0;
CREATE TABLE runs (
  run_id          INTEGER PRIMARY KEY,
  job_id          TEXT NOT NULL,
  scheduled_for   INTEGER NOT NULL,
  attempt         INTEGER NOT NULL DEFAULT 1,
  status          INTEGER NOT NULL DEFAULT 1 CHECK (status BETWEEN 1 AND 5),
  result          INTEGER NOT NULL DEFAULT 0 CHECK (result IN (0, 2, 3, 4)),
  message         TEXT NOT NULL DEFAULT '',
  agent_id        TEXT,
  agent_machine   TEXT NOT NULL DEFAULT '',
  client_machine  TEXT NOT NULL,
  store_path      TEXT NOT NULL,
  store_type      INTEGER NOT NULL,
  job_type        TEXT NOT NULL,
  schedule_type   TEXT,
  lease_expires   INTEGER,
  operation_start INTEGER,
  operation_end   INTEGER,
  finished_at     INTEGER,
  UNIQUE (job_id, scheduled_for)
);
CREATE INDEX runs_open ON runs (status, scheduled_for) WHERE status IN (1, 2);
CREATE INDEX runs_finished ON runs (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX runs_agent ON runs (agent_id);
CREATE INDEX runs_operation_start ON runs (operation_start);
CREATE INDEX runs_result ON runs (result);
)sql"},
      {5, "run start marks: the latest OperationStart of each block of 4096 run ids, so that a "
          "history query from a moment on skips the blocks that ended before it",
       R"sql(
CREATE TABLE run_start_marks (
  block     INTEGER PRIMARY KEY,
  max_start INTEGER NOT NULL
);
INSERT INTO run_start_marks (block, max_start)
  SELECT run_id >> 12, max(operation_start) FROM runs
  WHERE operation_start IS NOT NULL GROUP BY run_id >> 12;
CREATE TRIGGER runs_start_mark_insert AFTER INSERT ON runs
WHEN NEW.operation_start IS NOT NULL
BEGIN
  INSERT INTO run_start_marks (block, max_start) VALUES (NEW.run_id >> 12, NEW.operation_start)
  ON CONFLICT (block) DO UPDATE SET max_start = max(max_start, excluded.max_start);
END;
CREATE TRIGGER runs_start_mark_update AFTER UPDATE OF operation_start ON runs
WHEN NEW.operation_start IS NOT NULL
BEGIN
  INSERT INTO run_start_marks (block, max_start) VALUES (NEW.run_id >> 12, NEW.operation_start)
  ON CONFLICT (block) DO UPDATE SET max_start = max(max_start, excluded.max_start);
END;
)sql"},
  };
  return kMigrations;
}

}  // namespace orch::store
