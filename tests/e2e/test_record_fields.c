/* Every field of the call schema reaches PostgreSQL: the test plays the fetcher (PUSH one call
   record with every field of the call schema set, built by walking the schema's tables) into
   the real extractor, matcher and writer (offline, over real sockets, on a real database), then
   looks for each field in the stored message.

   Where a field lands: a column of the messages row with the field's name, or the key of that
   name in message_metadata, holding the value that was sent; RENAMED lists the two fields the
   writer stores under another name or in another form, NOT_STORED the delivery bookkeeping that
   is never stored. A field added to the call schema that the writer does not store fails here:
   give it a column (a migration and the writer's INSERT) or a key in message_metadata. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_record.h"
#include "cs_record_schema.h"
#include "cs_sock.h"
#include "cs_testdata.h"
#include "cs_testdb.h"
#include "cs_testproc.h"
#include "cs_testsock.h"
#include "cs_time.h"
#include "cs_util.h"
#include "cs_uuid.h"

#define EXTERNAL_ID "every-field-1"
#define STARTED_AT  "2025-10-20T17:27:28Z"

/* Fields kept under another name or form: the SQL that reads them back from messages m. */
static const struct {
    const char *field, *sql;
} RENAMED[] = {
    {"started_at", "SELECT extract(epoch FROM m.sent_at)::bigint FROM messages m WHERE m.id = $1"},
    {"transcript", "SELECT m.content FROM messages m WHERE m.id = $1"},
};

/* Delivery bookkeeping: the fetcher's redelivery count and its run, never stored. */
static const char *const NOT_STORED[] = {"attempt", "run_id"};

/* ---- a record with every field set, from the schema ------------------------------------- */

static json_t *s_value_of(const cs_record_field_t *f, cs_field_type_t type, const char *path);

/* An object holding every field of `fields`. */
static json_t *s_object_of(const cs_record_field_t *fields, const char *path)
{
    json_t *obj = json_object();
    for (const cs_record_field_t *f = fields; f && f->name; f++) {
        char sub[256];
        snprintf(sub, sizeof sub, "%s%s%s", path, path[0] ? "." : "", f->name);
        json_object_set_new(obj, f->name, s_value_of(f, f->type, sub));
    }
    return obj;
}

/* A value the field accepts, other than its type's zero, and telling where it belongs. */
static json_t *s_value_of(const cs_record_field_t *f, cs_field_type_t type, const char *path)
{
    double low = f->range ? f->range->min : 0;
    switch (type) {
    case CS_FIELD_STRING: {
        if (f->choices) { /* the last choice: never the default of the column */
            const char *const *c = f->choices;
            while (c[1])
                c++;
            return json_string(*c);
        }
        char text[300];
        snprintf(text, sizeof text, "the %s", path);
        if (f->max_len && strlen(text) > f->max_len)
            text[f->max_len] = '\0';
        return json_string(text);
    }
    case CS_FIELD_UUID: {
        char id[CS_UUID_LEN];
        cs_uuid_v5(path, id);
        return json_string(id);
    }
    case CS_FIELD_TIME:
        return json_string(STARTED_AT);
    case CS_FIELD_INT:
        return json_integer((json_int_t)low + 7);
    case CS_FIELD_NUMBER:
        return json_real(f->range && f->range->max <= 1 ? f->range->max / 2 : low + 1250.5);
    case CS_FIELD_BOOL:
        return json_true();
    case CS_FIELD_OBJECT:
        return s_object_of(f->fields, path);
    case CS_FIELD_ARRAY: {
        char item[256];
        snprintf(item, sizeof item, "%s[0]", path);
        return json_pack("[o]", f->item == CS_FIELD_OBJECT ? s_object_of(f->fields, item)
                                                           : s_value_of(f, f->item, item));
    }
    }
    return json_null();
}

/* ---- the pipeline ------------------------------------------------------------------------- */

typedef struct {
    cs_testdb_t db;
    char ws[CS_UUID_LEN], dflt[CS_UUID_LEN], theme[CS_UUID_LEN], integration[CS_UUID_LEN];
    char calls_ep[64], extractions_ep[64], decisions_ep[64], acks_ep[64], env_db[1100];
    zsock_t *push; /* the fetcher's end */
    cs_testproc_t extractor, matcher, writer;
} rig_t;

static void s_start(cs_testproc_t *p, char **argv, char **env, const char *ready)
{
    cs_testproc_start(p, argv, env);
    cr_assert(cs_testproc_wait_log(p, ready, 20000), "%s did not start", argv[0]);
}

static void s_stop(cs_testproc_t *p, const char *name)
{
    int status = cs_testproc_stop(p, 10000);
    char *log = cs_testproc_log(p);
    cr_expect_eq(status, 0, "%s exit status %d; log:\n%s", name, status, log);
    free(log);
}

static rig_t s_rig;

static void s_rig_open(void)
{
    rig_t *r = &s_rig;
    cs_testdb_create(&r->db, true);
    cs_db_t *db = cs_testdb_connect(&r->db);
    cs_testdata_workspace(db, r->ws, r->dflt, r->theme);
    cs_uuid_v4(r->integration);
    const char *params[] = {r->integration, r->ws};
    char err[256];
    PGresult *res = cs_db_exec(db,
                               "INSERT INTO integrations (id, workspace_id, name)"
                               " VALUES ($1, $2, 'every field')",
                               2, params, err, sizeof err);
    cr_assert(res, "%s", err);
    PQclear(res);
    cs_db_destroy(&db);
    snprintf(r->env_db, sizeof r->env_db, "DATABASE_URL=%.1024s", r->db.url);
    r->push = cs_sock_new(ZMQ_PUSH, "tcp://127.0.0.1:*", true, err, sizeof err);
    cr_assert(r->push, "%s", err);
    cs_sock_endpoint(r->push, r->calls_ep, sizeof r->calls_ep);
    cs_testproc_free_endpoint(r->extractions_ep, sizeof r->extractions_ep);
    cs_testproc_free_endpoint(r->decisions_ep, sizeof r->decisions_ep);
    cs_testproc_free_endpoint(r->acks_ep, sizeof r->acks_ep);

    char *env[] = {r->env_db, "OPENAI_API_KEY=", "CALLSIFT_PROVIDER=", "CALLSIFT_VECTORS=", NULL};
    char *writer[] = {(char *)cs_testproc_bin("callsift-writer"),
                      "--decisions-endpoint",
                      r->decisions_ep,
                      "--acks-endpoint",
                      r->acks_ep,
                      NULL};
    s_start(&r->writer, writer, env, "Writer ready");
    char *matcher[] = {(char *)cs_testproc_bin("callsift-matcher"),
                       "--extractions-endpoint",
                       r->extractions_ep,
                       "--decisions-endpoint",
                       r->decisions_ep,
                       NULL};
    s_start(&r->matcher, matcher, env, "Matcher ready");
    char *extractor[] = {(char *)cs_testproc_bin("callsift-extractor"),
                         "--calls-endpoint",
                         r->calls_ep,
                         "--extractions-endpoint",
                         r->extractions_ep,
                         NULL};
    s_start(&r->extractor, extractor, env, "Extractor ready");
}

static void s_rig_close(void)
{
    rig_t *r = &s_rig;
    s_stop(&r->extractor, "extractor");
    s_stop(&r->matcher, "matcher");
    s_stop(&r->writer, "writer");
    zsock_destroy(&r->push);
    cs_testdb_drop(&r->db);
}

/* ---- where each field landed -------------------------------------------------------------- */

static bool s_listed(const char *field, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], field) == 0)
            return true;
    return false;
}

/* The first column of the first row of `sql` with $1 the message id, as a new string; NULL
   for no row or SQL NULL. */
static char *s_query(cs_db_t *db, const char *sql, const char *message_id)
{
    const char *params[] = {message_id};
    char err[256];
    PGresult *res = cs_db_exec(db, sql, 1, params, err, sizeof err);
    cr_assert(res, "%s: %s", sql, err);
    char *out =
        PQntuples(res) == 1 && !PQgetisnull(res, 0, 0) ? strdup(PQgetvalue(res, 0, 0)) : NULL;
    PQclear(res);
    return out;
}

/* `sent` is what the call record held for `field`; check that the message stored it. */
static void s_expect_stored(cs_db_t *db, const char *mid, const char *field, const json_t *sent)
{
    const char *sql = NULL;
    for (size_t i = 0; i < CS_ARRAY_LEN(RENAMED) && !sql; i++)
        if (strcmp(field, RENAMED[i].field) == 0)
            sql = RENAMED[i].sql;
    if (sql) {
        char *got = s_query(db, sql, mid);
        cr_assert_not_null(got, "%s: nothing stored", field);
        if (strcmp(field, "started_at") == 0) {
            int64_t want = 0;
            cr_assert_eq(cs_time_parse_iso(json_string_value(sent), &want, NULL, 0), 0);
            cr_expect_eq(strtoll(got, NULL, 10), want, "started_at: sent_at %s", got);
        } else { /* the text form, "speaker: text" lines */
            const json_t *u = json_array_get(sent, 0);
            char line[1024];
            snprintf(line, sizeof line, "%s: %s\n", cs_rec_str(u, "speaker"),
                     cs_rec_str(u, "text"));
            cr_expect_str_eq(got, line, "transcript: content");
        }
        free(got);
        return;
    }
    char column[512];
    snprintf(column, sizeof column,
             "SELECT coalesce(nullif(to_jsonb(m) -> '%s', 'null'), m.message_metadata -> '%s')"
             "::text FROM messages m WHERE m.id = $1",
             field, field);
    char *got = s_query(db, column, mid);
    cr_expect_not_null(got,
                       "call field '%s' is in no column and no message_metadata key: give it "
                       "a column (migration, writer's INSERT) or a metadata key",
                       field);
    if (!got)
        return;
    json_error_t jerr;
    json_t *stored = json_loads(got, JSON_DECODE_ANY, &jerr);
    cr_assert_not_null(stored, "%s: %s", field, jerr.text);
    char *want = json_dumps(sent, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    cr_expect(json_equal(stored, sent), "call field '%s': sent %s, stored %s", field, want, got);
    free(want);
    json_decref(stored);
    free(got);
}

TestSuite(record_fields, .init = s_rig_open, .fini = s_rig_close, .timeout = 120);

Test(record_fields, every_field_of_a_call_reaches_postgresql)
{
    rig_t *r = &s_rig;
    const cs_record_field_t *const *tables = cs_record_schema_tables(CS_KIND_CALL);
    cr_assert_not_null(tables);
    json_t *call = cs_record_new(CS_KIND_CALL);
    for (const cs_record_field_t *const *t = tables; *t; t++) {
        json_t *part = s_object_of(*t, "");
        json_object_update(call, part);
        json_decref(part);
    }
    json_object_set_new(call, "workspace_id", json_string(r->ws));
    json_object_set_new(call, "integration_id", json_string(r->integration));
    json_object_set_new(call, "external_id", json_string(EXTERNAL_ID));
    char err[512];
    cr_assert_eq(cs_record_validate(call, err, sizeof err), 0, "%s", err);
    cs_testsock_send(r->push, call, 30);

    char mid[CS_UUID_LEN];
    cs_uuid_message_id(r->ws, cs_rec_str(call, "source"), EXTERNAL_ID, mid);
    cs_db_t *db = cs_testdb_connect(&r->db);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM messages WHERE id = '%s'", mid);
    long stored = 0;
    for (int i = 0; i < 300 && stored != 1; i++) {
        stored = cs_testdb_long(db, sql);
        if (stored != 1)
            cs_sleep_ms(100);
    }
    cr_assert_eq(stored, 1, "the call was not stored within 30 s");

    size_t fields = 0;
    for (const cs_record_field_t *const *t = tables; *t; t++)
        for (const cs_record_field_t *f = *t; f->name; f++, fields++)
            if (!s_listed(f->name, NOT_STORED, CS_ARRAY_LEN(NOT_STORED)))
                s_expect_stored(db, mid, f->name, json_object_get(call, f->name));
    cr_expect_geq(fields, 15, "the call schema was walked");
    cs_db_destroy(&db);
    json_decref(call);
}
