namespace Rotor.Storage.Sqlite;

/// <summary>
/// Versioned schema. Each step runs once, in order, inside a transaction, and is recorded in
/// <c>schema_migrations</c>. Never edit a released step; add the next one.
/// The schema keeps to types PostgreSQL has too (TEXT, INTEGER as bigint, epoch milliseconds),
/// and <c>leases</c> exists from the start so several instances can share work later.
/// </summary>
internal static class SqliteMigrations
{
    public static readonly IReadOnlyList<(int Version, string Name, string Sql)> Steps =
    [
        (1, "initial", """
            CREATE TABLE resources(
              kind TEXT NOT NULL,
              name TEXT NOT NULL,
              generation INTEGER NOT NULL,
              spec_json TEXT NOT NULL,
              spec_hash TEXT NOT NULL,
              source_file TEXT NOT NULL,
              created_at INTEGER NOT NULL,
              updated_at INTEGER NOT NULL,
              PRIMARY KEY(kind, name));

            CREATE TABLE certificate_status(
              name TEXT PRIMARY KEY,
              next_due_at INTEGER NOT NULL,
              failures INTEGER NOT NULL DEFAULT 0,
              last_failure TEXT,
              renew_requested INTEGER NOT NULL DEFAULT 0,
              pending_key_ref TEXT,
              current_version_id INTEGER,
              issuer TEXT,
              not_after INTEGER,
              renewal_at INTEGER,
              ready INTEGER NOT NULL DEFAULT 0);
            CREATE INDEX ix_certificate_status_due ON certificate_status(next_due_at);

            CREATE TABLE certificate_versions(
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              certificate TEXT NOT NULL,
              generation INTEGER NOT NULL,
              serial TEXT NOT NULL,
              fingerprint TEXT NOT NULL,
              not_before INTEGER NOT NULL,
              not_after INTEGER NOT NULL,
              chain_pem TEXT NOT NULL,
              intermediate_count INTEGER NOT NULL,
              key_ref TEXT NOT NULL,
              state TEXT NOT NULL,
              issued_for TEXT NOT NULL,
              created_at INTEGER NOT NULL);
            CREATE INDEX ix_certificate_versions_certificate ON certificate_versions(certificate, id);

            CREATE TABLE rotations(
              version_id INTEGER NOT NULL,
              target TEXT NOT NULL,
              state TEXT NOT NULL,
              detail TEXT,
              updated_at INTEGER NOT NULL,
              PRIMARY KEY(version_id, target));

            CREATE TABLE events(
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              at INTEGER NOT NULL,
              kind TEXT NOT NULL,
              name TEXT NOT NULL,
              type TEXT NOT NULL,
              reason TEXT NOT NULL,
              message TEXT NOT NULL);
            CREATE INDEX ix_events_subject ON events(kind, name, id);
            CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
              BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
            CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
              BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

            CREATE TABLE leases(
              resource TEXT PRIMARY KEY,
              owner TEXT NOT NULL,
              expires_at INTEGER NOT NULL,
              fencing INTEGER NOT NULL);
            """),
        (2, "covering index for the key sweep", """
            CREATE INDEX ix_certificate_versions_keys ON certificate_versions(state, key_ref);
            """),
        (3, "rotation progress (wave, gate tally, timers) kept with each rotation state", """
            ALTER TABLE rotations ADD COLUMN progress TEXT;
            """),
        (4, "manual renewal past the key-update window; the issuer's own transaction state", """
            ALTER TABLE certificate_status ADD COLUMN renew_now INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE certificate_status ADD COLUMN issuer_state TEXT;
            """),
        (5, "the data folder's identity; keys recorded before they are made", """
            CREATE TABLE meta(
              key TEXT PRIMARY KEY,
              value TEXT NOT NULL);

            CREATE TABLE key_intents(
              key_ref TEXT PRIMARY KEY,
              certificate TEXT NOT NULL,
              created_at INTEGER NOT NULL);
            """),
        (6, "the last probe of each endpoint, for rotor describe endpoint", """
            CREATE TABLE endpoint_probes(
              endpoint TEXT PRIMARY KEY,
              at INTEGER NOT NULL,
              certificate TEXT,
              success INTEGER NOT NULL,
              failure TEXT NOT NULL,
              sha256 TEXT,
              chain_trusted INTEGER NOT NULL,
              sip_status INTEGER,
              handshake_ms REAL,
              error TEXT);
            """),
        (7, "an issuer's own state across processes (a CMP server group's position)", """
            CREATE TABLE issuer_runtime(
              issuer TEXT PRIMARY KEY,
              state_json TEXT NOT NULL,
              updated_at INTEGER NOT NULL);
            """),
        (8, "versions numbered per certificate (1, 2, ...), as people read them; existing ones in order of issue", """
            ALTER TABLE certificate_versions ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
            UPDATE certificate_versions SET number =
              (SELECT COUNT(*) FROM certificate_versions earlier
               WHERE earlier.certificate = certificate_versions.certificate AND earlier.id <= certificate_versions.id);
            CREATE UNIQUE INDEX ix_certificate_versions_number ON certificate_versions(certificate, number);
            """),
        (9, "alerts and their delivery outbox", """
            CREATE TABLE alerts(
              key TEXT NOT NULL,
              firing_since INTEGER NOT NULL,
              rule TEXT NOT NULL,
              severity INTEGER NOT NULL,
              labels TEXT NOT NULL,
              summary TEXT NOT NULL,
              description TEXT NOT NULL,
              stage TEXT NOT NULL,
              last_notified_at INTEGER NOT NULL,
              notifications INTEGER NOT NULL,
              resolved_at INTEGER,
              PRIMARY KEY(key, firing_since));
            CREATE UNIQUE INDEX ux_alerts_firing ON alerts(key) WHERE resolved_at IS NULL;

            CREATE TABLE alert_outbox(
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              notifier TEXT NOT NULL,
              idempotency_key TEXT NOT NULL,
              kind TEXT NOT NULL,
              alert TEXT NOT NULL,
              created_at INTEGER NOT NULL,
              attempts INTEGER NOT NULL,
              next_attempt_at INTEGER NOT NULL,
              delivered_at INTEGER,
              last_error TEXT,
              repeat_after_ms INTEGER,
              UNIQUE(notifier, idempotency_key));
            CREATE INDEX ix_alert_outbox_due ON alert_outbox(next_attempt_at) WHERE delivered_at IS NULL;
            """),
        (10, "discovery scan runs and their results per endpoint", """
            CREATE TABLE scan_runs(
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              scan TEXT NOT NULL,
              started_at INTEGER NOT NULL,
              finished_at INTEGER,
              endpoints INTEGER NOT NULL DEFAULT 0,
              reachable INTEGER NOT NULL DEFAULT 0);
            CREATE INDEX ix_scan_runs_scan ON scan_runs(scan, id);

            CREATE TABLE scan_results(
              run_id INTEGER NOT NULL,
              endpoint TEXT NOT NULL,
              at INTEGER NOT NULL,
              result TEXT NOT NULL,
              PRIMARY KEY(run_id, endpoint));
            CREATE INDEX ix_scan_results_endpoint ON scan_results(endpoint, run_id);
            """),
        (11, "API tokens of the operator API (their SHA-256, never the token)", """
            CREATE TABLE api_tokens(
              name TEXT PRIMARY KEY,
              role TEXT NOT NULL,
              sha256 TEXT NOT NULL UNIQUE,
              created_at INTEGER NOT NULL,
              last_used_at INTEGER,
              revoked_at INTEGER);
            """),
        (12, "Expiry timeline read from an index over notAfter instead of a scan of every certificate", """
            CREATE INDEX ix_certificate_status_not_after ON certificate_status(not_after);
            """),
        (13, "ACME server: EAB keys (HMAC keys sealed under the master key), accounts, orders, authorizations, issued certificates", """
            CREATE TABLE acme_eab_keys(
              key_id TEXT PRIMARY KEY,
              name TEXT NOT NULL UNIQUE,
              hmac_sealed BLOB NOT NULL,
              created_at INTEGER NOT NULL,
              account_id TEXT);

            CREATE TABLE acme_accounts(
              id TEXT PRIMARY KEY,
              server TEXT NOT NULL,
              thumbprint TEXT NOT NULL,
              jwk TEXT NOT NULL,
              status TEXT NOT NULL,
              contact TEXT NOT NULL,
              eab_key_id TEXT,
              created_at INTEGER NOT NULL,
              UNIQUE(server, thumbprint));

            CREATE TABLE acme_orders(
              id TEXT PRIMARY KEY,
              account_id TEXT NOT NULL,
              created_at INTEGER NOT NULL,
              body TEXT NOT NULL);
            CREATE INDEX ix_acme_orders_account ON acme_orders(account_id, created_at);

            CREATE TABLE acme_authorizations(
              id TEXT PRIMARY KEY,
              order_id TEXT NOT NULL,
              body TEXT NOT NULL);

            CREATE TABLE acme_certificates(
              id TEXT PRIMARY KEY,
              server TEXT NOT NULL,
              serial TEXT NOT NULL,
              issued_at INTEGER NOT NULL,
              revoked_at INTEGER,
              revocation_reason INTEGER,
              body TEXT NOT NULL,
              UNIQUE(server, serial));
            """),
        (14, "private keys sealed under the master key, for a store shared by several instances (a SQLite store keeps its keys in keys/)", """
            CREATE TABLE sealed_keys(
              key_ref TEXT PRIMARY KEY,
              sealed BLOB NOT NULL,
              created_at INTEGER NOT NULL);
            """),
    ];
}
