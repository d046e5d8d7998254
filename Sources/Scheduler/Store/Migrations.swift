/// The schema, as an ordered list of migrations recorded in `schema_migrations`.
///
/// Never edit a migration that has shipped; append a new one.
enum Migrations {
    static let all: [(version: Int, name: String, sql: String)] = [
        (1, "initial schema", """
        CREATE TABLE campaigns (
            key INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            name TEXT,
            state TEXT NOT NULL DEFAULT 'active',
            settings TEXT NOT NULL,
            source_file TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE imported_files (
            id INTEGER PRIMARY KEY,
            campaign_key INTEGER NOT NULL REFERENCES campaigns(key),
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            contacts_added INTEGER NOT NULL,
            imported_at TEXT NOT NULL,
            UNIQUE (campaign_key, sha256)
        );
        -- State columns have no CHECK constraint: SQLite evaluates one per inserted row at a cost that
        -- tripled import time; only QueueStore writes them, through the ContactState/CampaignState enums.
        -- A target is unique within its campaign; QueueStore keeps it so inside its write transaction
        -- (a UNIQUE index doubled the cost of every imported row).
        -- Pending contacts are claimed in id order (each import appends a block of ids), so only
        -- contacts waiting for a retry need an index by due time; an import never touches it.
        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            campaign_key INTEGER NOT NULL REFERENCES campaigns(key),
            target TEXT NOT NULL,
            timezone TEXT,
            caller TEXT,
            metadata TEXT NOT NULL DEFAULT '{}',
            state TEXT NOT NULL DEFAULT 'pending',
            skip_reason TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL DEFAULT 0,
            source_line INTEGER,
            imported_file_id INTEGER REFERENCES imported_files(id)
        );
        CREATE INDEX contacts_retry_due ON contacts (campaign_key, next_attempt_at) WHERE state = 'retry_wait';
        CREATE TABLE attempts (
            id INTEGER PRIMARY KEY,
            cdr_id TEXT NOT NULL UNIQUE,
            contact_id INTEGER NOT NULL REFERENCES contacts(id),
            campaign_key INTEGER NOT NULL REFERENCES campaigns(key),
            attempt INTEGER NOT NULL,
            conversation_id TEXT NOT NULL,
            sip_call_id TEXT,
            target TEXT NOT NULL,
            caller TEXT,
            trunk TEXT,
            invite_sent INTEGER NOT NULL DEFAULT 0,
            start_time INTEGER NOT NULL,
            ring_time INTEGER,
            connect_time INTEGER,
            disconnect_time INTEGER,
            status TEXT,
            reason_code TEXT,
            reason TEXT,
            sip_code INTEGER,
            machine_detection TEXT,
            amd_decision_ms INTEGER,
            beep_detected INTEGER,
            will_retry INTEGER,
            next_attempt_at INTEGER,
            metadata TEXT NOT NULL DEFAULT '{}',
            UNIQUE (contact_id, attempt)
        );
        CREATE INDEX attempts_campaign ON attempts (campaign_key, start_time);
        CREATE INDEX attempts_open ON attempts (contact_id) WHERE status IS NULL;
        CREATE TABLE notification_outbox (
            id INTEGER PRIMARY KEY,
            campaign_key INTEGER NOT NULL REFERENCES campaigns(key),
            attempt_id INTEGER REFERENCES attempts(id),
            event TEXT NOT NULL,
            url TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            tries INTEGER NOT NULL DEFAULT 0,
            next_try_at INTEGER NOT NULL,
            delivered_at INTEGER,
            last_error TEXT
        );
        CREATE INDEX notification_outbox_due ON notification_outbox (next_try_at) WHERE delivered_at IS NULL;
        CREATE TABLE dnc (
            target TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            added_at TEXT NOT NULL
        ) WITHOUT ROWID;
        """),
        (2, "opt-out flag on attempts", """
        ALTER TABLE attempts ADD COLUMN opted_out INTEGER NOT NULL DEFAULT 0;
        """),
        (3, "webhooks given up", """
        ALTER TABLE notification_outbox ADD COLUMN gave_up INTEGER NOT NULL DEFAULT 0;
        """),
        (4, "contact webhook URLs", """
        CREATE TABLE contact_webhooks (contact_id INTEGER PRIMARY KEY REFERENCES contacts(id), url TEXT NOT NULL);
        """),
        (5, "redirect target on attempts", """
        ALTER TABLE attempts ADD COLUMN redirected_to TEXT;
        """),
        // The CDR file is written from the database in `cdr_seq` order (CDRWriter). Attempts finished
        // before this migration had their lines appended by the old code: they get sequence numbers
        // in id order and count as written.
        (6, "CDR sequence numbers", """
        ALTER TABLE attempts ADD COLUMN cdr_seq INTEGER;
        UPDATE attempts SET cdr_seq = id WHERE status IS NOT NULL;
        CREATE UNIQUE INDEX attempts_cdr_seq ON attempts (cdr_seq);
        CREATE TABLE cdr_progress (id INTEGER PRIMARY KEY CHECK (id = 1), written_through INTEGER NOT NULL);
        INSERT INTO cdr_progress (id, written_through) VALUES (1, COALESCE((SELECT MAX(cdr_seq) FROM attempts), 0));
        """),
        (7, "HTTP API calls and idempotency keys", """
        -- A call posted through the API keeps the conversationId its 201 named across its attempts.
        ALTER TABLE contacts ADD COLUMN conversation_id TEXT;
        -- The first response to a POST with an Idempotency-Key, per API key, for 24 hours.
        CREATE TABLE api_requests (
            api_key TEXT NOT NULL,
            idempotency_key TEXT NOT NULL,
            request_hash TEXT NOT NULL,
            status INTEGER NOT NULL,
            body TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (api_key, idempotency_key)
        ) WITHOUT ROWID;
        -- Call-progress webhooks find their attempt by the Call-ID the dialer was given.
        CREATE INDEX attempts_sip_call_id ON attempts (sip_call_id) WHERE sip_call_id IS NOT NULL;
        """),
        // Attempts per number per local day are counted at every claim (limits.maxAttemptsPerNumberPerDay),
        // across campaigns: by target and start time. The zones each attempt was placed in, for CDRs and the audit.
        (8, "attempts by number and time; zones of an attempt", """
        CREATE INDEX attempts_by_target ON attempts (target, start_time);
        ALTER TABLE attempts ADD COLUMN time_zones TEXT;
        ALTER TABLE attempts ADD COLUMN zone_source TEXT;
        """),
        // What connecting an answered call to an agent or bot did (CallResult.connect); `abandoned` is
        // NULL when no connect was tried. Abandonment rates (abandoned / people put through, over the
        // campaign and a rolling 30 days) read only the attempts that tried one, by campaign and time.
        (9, "connect results on attempts", """
        ALTER TABLE attempts ADD COLUMN connect_target TEXT;
        ALTER TABLE attempts ADD COLUMN connect_sip_code INTEGER;
        ALTER TABLE attempts ADD COLUMN connect_answer_ms INTEGER;
        ALTER TABLE attempts ADD COLUMN connected_sec REAL;
        ALTER TABLE attempts ADD COLUMN abandoned INTEGER;
        CREATE INDEX attempts_connects ON attempts (campaign_key, disconnect_time) WHERE connect_target IS NOT NULL;
        """),
        // A call placed through a drop-in endpoint (README "Drop-in endpoints") carries its own settings
        // (its profile's with the request's laid over them) and the Call-ID its response named; its
        // webhooks carry their own headers and signature header, in its API's shape.
        (10, "per-call settings; webhooks with their own headers", """
        CREATE TABLE contact_settings (
            contact_id INTEGER PRIMARY KEY REFERENCES contacts(id),
            settings TEXT NOT NULL,
            sip_call_id TEXT,
            created_at INTEGER NOT NULL
        );
        -- A profile's calls in progress are counted among those queued recently (dialoutMaxConcurrentCalls).
        CREATE INDEX contact_settings_created ON contact_settings (created_at);
        ALTER TABLE notification_outbox ADD COLUMN headers TEXT;
        ALTER TABLE notification_outbox ADD COLUMN signature_header TEXT;
        """),
        // What `campaignd status` and GET /v1/campaigns (the console asks every second) show of each
        // campaign, kept as contacts and attempts change instead of counted from every row at each look.
        // Contacts of an import still running (its file's sha256 is '') are counted apart, under their
        // file's id, and added to the campaign's visible counts (file 0) by the import's last
        // transaction; imported rows are counted a chunk at a time by the importer (a trigger per
        // inserted row would cost the import), every other change by the triggers here
        // (QueueStore.importNewContacts). An attempt's campaign_key and zone_source are set when it is
        // claimed and never change. Counts that fall to 0 stay as rows of 0.
        (11, "contact and attempt counts per campaign", """
        CREATE TABLE contact_counts (
            campaign_key INTEGER NOT NULL,
            unfinished_file_id INTEGER NOT NULL,  -- 0: visible contacts
            state TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (campaign_key, unfinished_file_id, state)
        ) WITHOUT ROWID;
        -- measure: started (every attempt), finished (status set), answered (finished with a connect
        -- time), amd (answered, by machine_detection: value), zone (by zone_source: value).
        CREATE TABLE attempt_counts (
            campaign_key INTEGER NOT NULL,
            measure TEXT NOT NULL,
            value TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (campaign_key, measure, value)
        ) WITHOUT ROWID;

        CREATE TRIGGER contact_counts_insert AFTER INSERT ON contacts WHEN new.imported_file_id IS NULL BEGIN
            INSERT INTO contact_counts VALUES (new.campaign_key, 0, new.state, 1) ON CONFLICT DO UPDATE SET count = count + 1;
        END;
        CREATE TRIGGER contact_counts_update AFTER UPDATE OF state ON contacts WHEN old.state IS NOT new.state BEGIN
            UPDATE contact_counts SET count = count - 1
            WHERE campaign_key = old.campaign_key AND state = old.state
              AND unfinished_file_id = COALESCE((SELECT id FROM imported_files WHERE id = old.imported_file_id AND sha256 = ''), 0);
            INSERT INTO contact_counts
                SELECT new.campaign_key, COALESCE((SELECT id FROM imported_files WHERE id = new.imported_file_id AND sha256 = ''), 0),
                       new.state, 1
                WHERE true ON CONFLICT DO UPDATE SET count = count + 1;
        END;
        CREATE TRIGGER contact_counts_delete AFTER DELETE ON contacts BEGIN
            UPDATE contact_counts SET count = count - 1
            WHERE campaign_key = old.campaign_key AND state = old.state
              AND unfinished_file_id = COALESCE((SELECT id FROM imported_files WHERE id = old.imported_file_id AND sha256 = ''), 0);
        END;

        CREATE TRIGGER attempt_counts_insert AFTER INSERT ON attempts BEGIN
            INSERT INTO attempt_counts VALUES (new.campaign_key, 'started', '', 1) ON CONFLICT DO UPDATE SET count = count + 1;
            INSERT INTO attempt_counts SELECT new.campaign_key, 'zone', new.zone_source, 1 WHERE new.zone_source IS NOT NULL
                ON CONFLICT DO UPDATE SET count = count + 1;
            INSERT INTO attempt_counts SELECT new.campaign_key, 'finished', '', 1 WHERE new.status IS NOT NULL
                ON CONFLICT DO UPDATE SET count = count + 1;
            INSERT INTO attempt_counts SELECT new.campaign_key, 'answered', '', 1 WHERE new.status IS NOT NULL AND new.connect_time IS NOT NULL
                ON CONFLICT DO UPDATE SET count = count + 1;
            INSERT INTO attempt_counts SELECT new.campaign_key, 'amd', new.machine_detection, 1
                WHERE new.status IS NOT NULL AND new.connect_time IS NOT NULL AND new.machine_detection IS NOT NULL
                ON CONFLICT DO UPDATE SET count = count + 1;
        END;
        CREATE TRIGGER attempt_counts_update AFTER UPDATE OF status, connect_time, machine_detection ON attempts BEGIN
            UPDATE attempt_counts SET count = count - 1
                WHERE campaign_key = old.campaign_key AND measure = 'finished' AND value = '' AND old.status IS NOT NULL;
            UPDATE attempt_counts SET count = count - 1
                WHERE campaign_key = old.campaign_key AND measure = 'answered' AND value = '' AND old.status IS NOT NULL AND old.connect_time IS NOT NULL;
            UPDATE attempt_counts SET count = count - 1
                WHERE campaign_key = old.campaign_key AND measure = 'amd' AND value = old.machine_detection
                  AND old.status IS NOT NULL AND old.connect_time IS NOT NULL;
            INSERT INTO attempt_counts SELECT new.campaign_key, 'finished', '', 1 WHERE new.status IS NOT NULL
                ON CONFLICT DO UPDATE SET count = count + 1;
            INSERT INTO attempt_counts SELECT new.campaign_key, 'answered', '', 1 WHERE new.status IS NOT NULL AND new.connect_time IS NOT NULL
                ON CONFLICT DO UPDATE SET count = count + 1;
            INSERT INTO attempt_counts SELECT new.campaign_key, 'amd', new.machine_detection, 1
                WHERE new.status IS NOT NULL AND new.connect_time IS NOT NULL AND new.machine_detection IS NOT NULL
                ON CONFLICT DO UPDATE SET count = count + 1;
        END;
        CREATE TRIGGER attempt_counts_delete AFTER DELETE ON attempts BEGIN
            UPDATE attempt_counts SET count = count - 1 WHERE campaign_key = old.campaign_key AND measure = 'started' AND value = '';
            UPDATE attempt_counts SET count = count - 1 WHERE campaign_key = old.campaign_key AND measure = 'zone' AND value = old.zone_source;
            UPDATE attempt_counts SET count = count - 1
                WHERE campaign_key = old.campaign_key AND measure = 'finished' AND value = '' AND old.status IS NOT NULL;
            UPDATE attempt_counts SET count = count - 1
                WHERE campaign_key = old.campaign_key AND measure = 'answered' AND value = '' AND old.status IS NOT NULL AND old.connect_time IS NOT NULL;
            UPDATE attempt_counts SET count = count - 1
                WHERE campaign_key = old.campaign_key AND measure = 'amd' AND value = old.machine_detection
                  AND old.status IS NOT NULL AND old.connect_time IS NOT NULL;
        END;

        INSERT INTO contact_counts
            SELECT campaign_key, COALESCE((SELECT id FROM imported_files f WHERE f.id = imported_file_id AND f.sha256 = ''), 0), state, COUNT(*)
            FROM contacts GROUP BY 1, 2, 3;
        INSERT INTO attempt_counts SELECT campaign_key, 'started', '', COUNT(*) FROM attempts GROUP BY campaign_key;
        INSERT INTO attempt_counts
            SELECT campaign_key, 'zone', zone_source, COUNT(*) FROM attempts WHERE zone_source IS NOT NULL GROUP BY campaign_key, zone_source;
        INSERT INTO attempt_counts SELECT campaign_key, 'finished', '', COUNT(*) FROM attempts WHERE status IS NOT NULL GROUP BY campaign_key;
        INSERT INTO attempt_counts
            SELECT campaign_key, 'answered', '', COUNT(*) FROM attempts WHERE status IS NOT NULL AND connect_time IS NOT NULL GROUP BY campaign_key;
        INSERT INTO attempt_counts
            SELECT campaign_key, 'amd', machine_detection, COUNT(*) FROM attempts
            WHERE status IS NOT NULL AND connect_time IS NOT NULL AND machine_detection IS NOT NULL GROUP BY campaign_key, machine_detection;
        """),
        // A claim that finds none of a campaign's pending contacts due walks every contact after its
        // cursor (pending contacts are claimed in id order and have no index: it would cost every
        // import). It remembers when the earliest of them falls due, and need not walk again before
        // then while no contact has entered or left the campaign's pending contacts (QueueStore
        // .deferredPending): `entered` counts every contact that ever entered a state, so that a
        // contact entering as another leaves shows though `count` does not change. Imported rows are
        // counted by the importer as before (QueueStore.importNewContacts adds them as entered when
        // the import becomes visible); the triggers are migration 11's with `entered` added.
        (12, "contacts that entered each state", """
        ALTER TABLE contact_counts ADD COLUMN entered INTEGER NOT NULL DEFAULT 0;
        DROP TRIGGER contact_counts_insert;
        DROP TRIGGER contact_counts_update;
        CREATE TRIGGER contact_counts_insert AFTER INSERT ON contacts WHEN new.imported_file_id IS NULL BEGIN
            INSERT INTO contact_counts (campaign_key, unfinished_file_id, state, count, entered) VALUES (new.campaign_key, 0, new.state, 1, 1)
                ON CONFLICT DO UPDATE SET count = count + 1, entered = entered + 1;
        END;
        CREATE TRIGGER contact_counts_update AFTER UPDATE OF state ON contacts WHEN old.state IS NOT new.state BEGIN
            UPDATE contact_counts SET count = count - 1
            WHERE campaign_key = old.campaign_key AND state = old.state
              AND unfinished_file_id = COALESCE((SELECT id FROM imported_files WHERE id = old.imported_file_id AND sha256 = ''), 0);
            INSERT INTO contact_counts (campaign_key, unfinished_file_id, state, count, entered)
                SELECT new.campaign_key, COALESCE((SELECT id FROM imported_files WHERE id = new.imported_file_id AND sha256 = ''), 0),
                       new.state, 1, 1
                WHERE true ON CONFLICT DO UPDATE SET count = count + 1, entered = entered + 1;
        END;
        """),
    ]

    /// Applies the migrations `connection` has not recorded yet, each in its own transaction.
    static func migrate(_ connection: SQLiteConnection) throws {
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)
            """)
        let applied = try connection.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        let current = try applied.step() ? Int(applied.int(0)) : 0
        if let newest = all.last?.version, current > newest {
            throw SQLiteError(code: 1, message: "the database was written by a newer campaignd (schema \(current), this build knows \(newest))", sql: nil)
        }
        for migration in all where migration.version > current {
            try connection.transaction {
                try connection.execute(migration.sql)
                try connection.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
                    .bind(.int(migration.version), .text(migration.name), .text(Timestamp.iso8601(Timestamp.nowMs())))
                    .run()
            }
        }
    }
}
