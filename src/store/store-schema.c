/* store-schema.c: the store's schema, in one place: what store.c creates in a new database
 * and what store-guard.c checks every opened database against.
 */
#include "store-internal.h"

const char store_schema_sql[] =
	"CREATE TABLE IF NOT EXISTS captures("
	" id INTEGER PRIMARY KEY,"
	" source TEXT NOT NULL,"
	" format TEXT NOT NULL,"
	" kernel_release TEXT,"
	" imported_at TEXT NOT NULL,"
	" events INTEGER NOT NULL DEFAULT 0,"
	" lost_events INTEGER NOT NULL DEFAULT 0,"
	" skipped INTEGER NOT NULL DEFAULT 0,"
	" truncated INTEGER NOT NULL DEFAULT 0,"
	" truncated_at INTEGER,"
	" first_ts INTEGER,"
	" last_ts INTEGER);"
	"CREATE TABLE IF NOT EXISTS capture_meta("
	" capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,"
	" key TEXT NOT NULL,"
	" value BLOB,"
	" PRIMARY KEY(capture_id, key));"
	"CREATE TABLE IF NOT EXISTS stacks("
	" id INTEGER PRIMARY KEY,"
	" hash INTEGER NOT NULL UNIQUE,"
	" depth INTEGER NOT NULL,"
	" frames TEXT NOT NULL);"	/* innermost first, one symbol per line */
	/* comms, event names and devices, each stored once */
	"CREATE TABLE IF NOT EXISTS strings("
	" id INTEGER PRIMARY KEY,"
	" text TEXT NOT NULL);"
	/* the fields of an event minus what varies: every key in order with the values that
	 * repeat; "" for the values rebuilt from the event's skb/len/dev columns (named by
	 * skb_key, len_key, dev_key; skb printed with skb_fmt) and for those in event_rows.vals */
	"CREATE TABLE IF NOT EXISTS fieldsets("
	" id INTEGER PRIMARY KEY,"
	" hash INTEGER NOT NULL UNIQUE,"
	" fields TEXT NOT NULL,"
	" skb_key TEXT, skb_fmt TEXT, len_key TEXT, dev_key TEXT);"
	"CREATE TABLE IF NOT EXISTS event_rows("
	" id INTEGER PRIMARY KEY,"
	" capture_id INTEGER NOT NULL,"	/* captures(id) */
	" ts_ns INTEGER NOT NULL,"
	" cpu INTEGER,"
	" pid INTEGER,"
	" comm_id INTEGER,"	/* strings(id) */
	" name_id INTEGER NOT NULL,"
	" dev_id INTEGER,"
	" len INTEGER,"
	" skb INTEGER,"
	" stack_id INTEGER,"	/* stacks(id) */
	" fieldset_id INTEGER NOT NULL,"
	" vals TEXT);"	/* JSON object of the fields whose values vary per event, or NULL */
	VX_STORE_INDEXES
	/* foreign keys would cost two lookups per inserted event: the references are checked by
	 * store_check() and a capture's events go with it through this trigger */
	"CREATE TRIGGER IF NOT EXISTS captures_delete_events AFTER DELETE ON captures"
	" BEGIN DELETE FROM event_rows WHERE capture_id = old.id; END;"
	/* the events as schema 1 had them, fields as one JSON object: json_extract(fields, '$.msg') */
	"CREATE VIEW IF NOT EXISTS events AS SELECT e.id AS id, e.capture_id AS capture_id,"
	" e.ts_ns AS ts_ns, e.cpu AS cpu, e.pid AS pid, c.text AS comm, n.text AS name, d.text AS dev,"
	" e.len AS len, e.skb AS skb, e.stack_id AS stack_id,"
	" json_patch(json_replace(f.fields, '$.\"' || f.skb_key || '\"', printf(f.skb_fmt, e.skb),"
	"  '$.\"' || f.len_key || '\"', CAST(e.len AS TEXT), '$.\"' || f.dev_key || '\"', d.text),"
	"  coalesce(e.vals, '{}')) AS fields"
	" FROM event_rows e"
	" JOIN fieldsets f ON f.id = e.fieldset_id"
	" JOIN strings n ON n.id = e.name_id"
	" LEFT JOIN strings c ON c.id = e.comm_id"
	" LEFT JOIN strings d ON d.id = e.dev_id;";
