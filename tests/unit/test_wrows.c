/* cs_wrows: a call's links, audit rows and feature counts in one statement, through the
   writer (cs_writer_commit, cs_wgroup_commit), against a real PostgreSQL. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_record.h"
#include "cs_testdata.h"
#include "cs_testdb.h"
#include "cs_testws.h"
#include "cs_util.h"
#include "cs_uuid.h"
#include "cs_wgroup.h"
#include "cs_wrows.h"

/* a fresh database, a connection and a workspace for each test (tests/lib/cs_testws.h) */
static cs_testws_t *const tw = &cs_testws;

TestSuite(wrows, .init = cs_testws_setup, .fini = cs_testws_teardown);

__attribute__((format(printf, 1, 2))) static long q(const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return cs_testdb_long(tw->db, sql);
}

/* The text a query returns (its first row's first column), or NULL for SQL NULL (caller
   frees). */
__attribute__((format(printf, 1, 2))) static char *qtext(const char *fmt, ...)
{
    char sql[2048], err[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    PGresult *res = cs_db_exec(tw->db, sql, 0, NULL, err, sizeof err);
    cr_assert(res, "%s: %s", sql, err);
    cr_assert_eq(PQntuples(res), 1, "%s: %d rows", sql, PQntuples(res));
    char *text = PQgetisnull(res, 0, 0) ? NULL : strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return text;
}

static void run(const char *sql)
{
    char err[512];
    cr_assert_eq(cs_db_command(tw->db, sql, 0, NULL, err, sizeof err), 0, "%s: %s", sql, err);
}

static json_t *valid(json_t *d)
{
    char err[512];
    cr_assert_eq(cs_record_validate(d, err, sizeof err), 0, "test record invalid: %s", err);
    return d;
}

static cs_commit_status_t commit(const json_t *d, char *mid)
{
    char err[1024] = "", ignored[CS_UUID_LEN];
    cs_commit_status_t st = cs_writer_commit(tw->db, d, mid ? mid : ignored, err, sizeof err);
    cr_assert(st == CS_COMMIT_COMMITTED || st == CS_COMMIT_ALREADY, "%s: %s",
              cs_commit_status_name(st), err);
    return st;
}

static json_t *decision_at(const json_t *d, size_t i)
{
    return json_array_get(json_object_get(d, "decisions"), i);
}

static json_t *request_at(const json_t *d, size_t i)
{
    return json_array_get(json_object_get(json_object_get(d, "insights"), "feature_requests"), i);
}

/* Every feature's mention_count is its number of links. */
static void counts_are_exact(void)
{
    cr_assert_eq(q("SELECT count(*) FROM features f WHERE mention_count <>"
                   " (SELECT count(*) FROM feature_messages WHERE feature_id = f.id)"),
                 0, "a mention_count differs from the links");
}

static const char *const URGENCY[] = {"low", "medium", "high", "critical"};

/* 8 features created by one call's first 8 requests, and 16 more requests of the call linked
   to them (two each, other urgencies and confidences): one link per feature (the first
   request's quote, the highest confidence, NULL when one is unknown), 24 audit rows in the
   requests' order, each feature counted once with the highest urgency. A redelivery, alone or
   twice in one group, changes nothing. */
Test(wrows, many_requests_of_one_call)
{
    enum { F = 8, N = 24 };
    json_t *d = cs_testdata_decision(
        cs_testdata_call(tw->ws, "many", "2025-10-20T10:00:00Z", "Acme", "acme.com"));
    char feature[F][CS_UUID_LEN];
    int best[F] = {0};
    for (int i = 0; i < N; i++) {
        int k = i % F, u = i < F ? 0 : (i / F + k) % 4;
        char name[32], quote[32];
        snprintf(name, sizeof name, "Feature %d", k);
        cs_testdata_add(d, i < F ? "create" : "link", i < F ? NULL : feature[k], tw->integrations,
                        name, URGENCY[u]);
        if (i < F)
            cs_strlcpy(feature[k], cs_rec_str(decision_at(d, (size_t)i), "feature_id"),
                       CS_UUID_LEN);
        best[k] = u > best[k] ? u : best[k];
        snprintf(quote, sizeof quote, "quote %d", i);
        json_object_set_new(decision_at(d, (size_t)i), "quote", json_string(quote));
        /* feature 3's second request is of unknown confidence; the others 0.10 + i/100 */
        if (!(k == 3 && i == F + 3))
            json_object_set_new(decision_at(d, (size_t)i), "request_confidence",
                                json_real(0.10 + i / 100.0));
    }
    valid(d);
    char mid[CS_UUID_LEN];
    cr_assert_eq(commit(d, mid), CS_COMMIT_COMMITTED);

    cr_assert_eq(q("SELECT count(*) FROM feature_messages WHERE message_id = '%s'", mid), F);
    cr_assert_eq(q("SELECT count(*) FROM match_decisions WHERE message_id = '%s'", mid), N);
    /* the audit rows in the requests' order: ids grow with feature_index */
    cr_assert_eq(q("SELECT count(*) FROM (SELECT feature_index, row_number() OVER (ORDER BY id)"
                   " AS rn FROM match_decisions WHERE message_id = '%s') s"
                   " WHERE feature_index = rn - 1",
                   mid),
                 N);
    for (int k = 0; k < F; k++) {
        char *quote =
            qtext("SELECT quote FROM feature_messages WHERE feature_id = '%s'", feature[k]);
        char want[32];
        snprintf(want, sizeof want, "quote %d", k);
        cr_expect_str_eq(quote, want, "the first request's quote");
        free(quote);
        char *conf = qtext("SELECT round(confidence::numeric, 2)::text FROM feature_messages"
                           " WHERE feature_id = '%s'",
                           feature[k]);
        if (k == 3) {
            cr_expect_null(conf, "a mention of unknown confidence counts as confident: %s", conf);
        } else {
            snprintf(want, sizeof want, "%.2f", 0.10 + (2 * F + k) / 100.0);
            cr_expect_str_eq(conf, want, "feature %d: the highest confidence", k);
        }
        free(conf);
        char *urgency = qtext("SELECT urgency || ' ' || mention_count || ' '"
                              " || (first_mentioned = '2025-10-20T10:00:00Z'"
                              "     AND last_mentioned = '2025-10-20T10:00:00Z')"
                              " FROM features WHERE id = '%s'",
                              feature[k]);
        snprintf(want, sizeof want, "%s 1 true", URGENCY[best[k]]);
        cr_expect_str_eq(urgency, want, "feature %d", k);
        free(urgency);
    }
    counts_are_exact();

    /* again alone, then twice in one group: nothing changes */
    char *before = qtext("SELECT md5(string_agg(f::text, ',' ORDER BY id)) FROM features f");
    cr_assert_eq(commit(d, NULL), CS_COMMIT_ALREADY);
    cs_wgroup_call_t calls[2] = {{.rec = d, .status = CS_COMMIT_RETRY},
                                 {.rec = d, .status = CS_COMMIT_RETRY}};
    char err[1024];
    cr_assert_eq(cs_wgroup_commit(tw->db, calls, 2, err, sizeof err), 0, "%s", err);
    cr_expect_eq(calls[0].status, CS_COMMIT_ALREADY);
    cr_expect_eq(calls[1].status, CS_COMMIT_ALREADY);
    char *after = qtext("SELECT md5(string_agg(f::text, ',' ORDER BY id)) FROM features f");
    cr_expect_str_eq(after, before, "a redelivery changed a feature");
    free(before);
    free(after);
    cr_assert_eq(q("SELECT count(*) FROM feature_messages"), F);
    cr_assert_eq(q("SELECT count(*) FROM match_decisions"), N);
    json_decref(d);
}

/* A call with no request is stored (its message) and touches no feature, link or audit row,
   alone and in a group beside calls that have some. */
Test(wrows, a_call_without_requests)
{
    json_t *one = valid(cs_testdata_decision(
        cs_testdata_call(tw->ws, "one", "2025-10-20T10:00:00Z", "Acme", "acme.com")));
    cs_testdata_add(one, "create", NULL, tw->integrations, "Salesforce sync", "high");
    valid(one);
    cr_assert_eq(commit(one, NULL), CS_COMMIT_COMMITTED);
    const char *feature = cs_rec_str(decision_at(one, 0), "feature_id");

    json_t *none = valid(cs_testdata_decision(
        cs_testdata_call(tw->ws, "none", "2025-12-01T10:00:00Z", "Acme", "acme.com")));
    char mid[CS_UUID_LEN];
    cr_assert_eq(commit(none, mid), CS_COMMIT_COMMITTED);
    cr_assert_eq(q("SELECT count(*) FROM messages WHERE id = '%s' AND is_processed", mid), 1);
    cr_assert_eq(q("SELECT count(*) FROM feature_messages WHERE message_id = '%s'", mid), 0);
    cr_assert_eq(q("SELECT count(*) FROM match_decisions WHERE message_id = '%s'", mid), 0);

    /* a group: none-2, a link, none-3 */
    json_t *link = cs_testdata_decision(
        cs_testdata_call(tw->ws, "link", "2025-11-01T10:00:00Z", "Acme", "acme.com"));
    cs_testdata_add(link, "link", feature, tw->integrations, "Salesforce sync", "low");
    json_t *recs[] = {
        valid(cs_testdata_decision(
            cs_testdata_call(tw->ws, "none-2", "2025-12-02T10:00:00Z", NULL, NULL))),
        valid(link),
        valid(cs_testdata_decision(
            cs_testdata_call(tw->ws, "none-3", "2025-12-03T10:00:00Z", NULL, NULL))),
    };
    cs_wgroup_call_t calls[3];
    for (size_t i = 0; i < 3; i++)
        calls[i] = (cs_wgroup_call_t){.rec = recs[i], .status = CS_COMMIT_RETRY};
    char err[1024];
    cr_assert_eq(cs_wgroup_commit(tw->db, calls, 3, err, sizeof err), 0, "%s", err);
    for (size_t i = 0; i < 3; i++)
        cr_expect_eq(calls[i].status, CS_COMMIT_COMMITTED, "call %zu: %s", i, calls[i].err);
    cr_assert_eq(q("SELECT count(*) FROM messages"), 5);
    cr_assert_eq(q("SELECT count(*) FROM feature_messages"), 2);
    cr_assert_eq(q("SELECT count(*) FROM match_decisions"), 2);
    /* the calls without requests did not widen the feature's dates */
    cr_assert_eq(q("SELECT count(*) FROM features WHERE id = '%s' AND mention_count = 2"
                   " AND urgency = 'high' AND first_mentioned = '2025-10-20T10:00:00Z'"
                   " AND last_mentioned = '2025-11-01T10:00:00Z'",
                   feature),
                 1);
    counts_are_exact();
    for (size_t i = 0; i < 3; i++)
        json_decref(recs[i]);
    json_decref(one);
    json_decref(none);
}

/* A call of three requests whose second one PostgreSQL refuses (a rule on the links, another
   on the audit rows) fails alone inside its group: none of its rows (message, features,
   links, audit rows) stays, and its neighbours are stored whole. */
Test(wrows, one_bad_request_fails_its_call_alone_in_a_group)
{
    run("ALTER TABLE feature_messages ADD CONSTRAINT test_no_poison_quote"
        " CHECK (quote NOT LIKE 'poison%')");
    run("ALTER TABLE match_decisions ADD CONSTRAINT test_no_poison_reasoning"
        " CHECK (reasoning NOT LIKE 'poison%')");
    const char *names[] = {"good-1", "bad-quote", "good-2", "bad-reasoning", "good-3"};
    enum { N = sizeof names / sizeof names[0] };
    json_t *recs[N];
    for (size_t i = 0; i < N; i++) {
        recs[i] = cs_testdata_decision(
            cs_testdata_call(tw->ws, names[i], "2025-10-20T10:00:00Z", "Acme", "acme.com"));
        for (int r = 0; r < 3; r++) {
            char name[64];
            snprintf(name, sizeof name, "%s feature %d", names[i], r);
            cs_testdata_add(recs[i], "create", NULL, tw->integrations, name, "medium");
        }
    }
    json_object_set_new(decision_at(recs[1], 1), "quote", json_string("poison quote"));
    json_object_set_new(decision_at(recs[3], 1), "reasoning", json_string("poison reasoning"));
    cs_wgroup_call_t calls[N];
    for (size_t i = 0; i < N; i++)
        calls[i] = (cs_wgroup_call_t){.rec = valid(recs[i]), .status = CS_COMMIT_RETRY};
    char err[1024];
    cr_assert_eq(cs_wgroup_commit(tw->db, calls, N, err, sizeof err), 0, "%s", err);
    for (size_t i = 0; i < N; i++)
        cr_expect_eq(calls[i].status, i % 2 ? CS_COMMIT_FAILED : CS_COMMIT_COMMITTED,
                     "call %s: %s %s", names[i], cs_commit_status_name(calls[i].status),
                     calls[i].err);
    cr_expect(strstr(calls[1].err, "test_no_poison_quote"), "%s", calls[1].err);
    cr_expect(strstr(calls[3].err, "test_no_poison_reasoning"), "%s", calls[3].err);
    cr_assert_eq(q("SELECT count(*) FROM messages WHERE external_id LIKE 'bad%%'"), 0);
    cr_assert_eq(q("SELECT count(*) FROM features WHERE name LIKE 'bad%%'"), 0);
    cr_assert_eq(q("SELECT count(*) FROM messages"), 3);
    cr_assert_eq(q("SELECT count(*) FROM features WHERE mention_count = 1"), 9);
    cr_assert_eq(q("SELECT count(*) FROM feature_messages"), 9);
    cr_assert_eq(q("SELECT count(*) FROM match_decisions"), 9);
    counts_are_exact();
    for (size_t i = 0; i < N; i++)
        json_decref(recs[i]);
}

/* Text that an array literal must quote (quotes, backslashes, braces, commas, blanks, the word
   NULL, the empty string, control characters, non-ASCII) reaches every column as it was sent,
   and a missing value is NULL, not "NULL". */
Test(wrows, arrays_carry_nulls_quotes_and_non_ascii_as_sent)
{
    static const char *const texts[] = {
        "He said \"NULL\", {a,b} and a \\ backslash\\\\",
        "NULL",
        "",
        "  blanks around  ",
        "line\nbreak\ttab\r",
        "日本語, ünïcödé and an emoji 🎉",
        "{\"json\": [1, \"two\"]}",
        "\\\"",
    };
    enum { N = sizeof texts / sizeof texts[0] };
    json_t *d = cs_testdata_decision(
        cs_testdata_call(tw->ws, "texts", "2025-10-20T10:00:00Z", "Acme", "acme.com"));
    for (size_t i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "Feature %zu", i);
        cs_testdata_add(d, "create", NULL, tw->integrations, name, "medium");
        json_t *dec = decision_at(d, i);
        json_object_set_new(dec, "quote", json_string(texts[i]));
        json_object_set_new(dec, "speaker", json_string(texts[N - 1 - i]));
        json_object_set_new(dec, "reasoning", json_string(texts[i]));
        json_object_set_new(request_at(d, i), "title", json_string(texts[i]));
        if (i % 2)
            json_object_set_new(dec, "similarity", json_real(0.5));
    }
    /* one more, with no quote or speaker anywhere */
    cs_testdata_add(d, "create", NULL, tw->integrations, "Feature without quote", "medium");
    json_object_del(request_at(d, N), "quote");
    valid(d);
    char mid[CS_UUID_LEN];
    cr_assert_eq(commit(d, mid), CS_COMMIT_COMMITTED);
    for (size_t i = 0; i < N; i++) {
        const char *f = cs_rec_str(decision_at(d, i), "feature_id");
        char *quote = qtext("SELECT quote FROM feature_messages WHERE feature_id = '%s'", f);
        char *speaker = qtext("SELECT speaker FROM feature_messages WHERE feature_id = '%s'", f);
        char *why = qtext("SELECT reasoning FROM match_decisions WHERE feature_id = '%s'", f);
        char *title =
            qtext("SELECT extracted->>'title' FROM match_decisions WHERE feature_id = '%s'", f);
        char *sim =
            qtext("SELECT similarity::text FROM match_decisions WHERE feature_id = '%s'", f);
        cr_expect_str_eq(quote, texts[i], "quote %zu", i);
        cr_expect_str_eq(speaker, texts[N - 1 - i], "speaker %zu", i);
        cr_expect_str_eq(why, texts[i], "reasoning %zu", i);
        cr_expect_str_eq(title, texts[i], "extracted title %zu", i);
        if (i % 2)
            cr_expect_str_eq(sim, "0.5", "similarity %zu", i);
        else
            cr_expect_null(sim, "similarity %zu: %s", i, sim);
        free(quote);
        free(speaker);
        free(why);
        free(title);
        free(sim);
    }
    const char *last = cs_rec_str(decision_at(d, N), "feature_id");
    cr_assert_eq(q("SELECT count(*) FROM feature_messages WHERE feature_id = '%s'"
                   " AND quote IS NULL AND speaker IS NULL AND confidence IS NULL"
                   " AND merged_from IS NULL",
                   last),
                 1);
    json_decref(d);
}

/* Two requests of one call for one feature, one naming it and one naming a feature merged
   into it: one link, merged_from NULL (the feature's own mention) in either order; both
   naming the merged-away feature: merged_from names it. */
Test(wrows, requests_through_a_merged_away_feature_fold_into_one_link)
{
    json_t *made =
        cs_testdata_decision(cs_testdata_call(tw->ws, "made", "2025-10-01T10:00:00Z", NULL, NULL));
    cs_testdata_add(made, "create", NULL, tw->integrations, "Okta SSO", "low");
    cs_testdata_add(made, "create", NULL, tw->integrations, "Single sign-on", "low");
    cr_assert_eq(commit(valid(made), NULL), CS_COMMIT_COMMITTED);
    char source[CS_UUID_LEN], target[CS_UUID_LEN], sql[512];
    cs_strlcpy(source, cs_rec_str(decision_at(made, 0), "feature_id"), sizeof source);
    cs_strlcpy(target, cs_rec_str(decision_at(made, 1), "feature_id"), sizeof target);
    snprintf(sql, sizeof sql,
             "UPDATE features SET merged_into = '%s', merged_at = now() WHERE id = '%s'", target,
             source);
    run(sql);

    const char *first[] = {source, target, source};
    const char *second[] = {target, source, source};
    const char *want[] = {NULL, NULL, source};
    for (int c = 0; c < 3; c++) {
        char ext[16];
        snprintf(ext, sizeof ext, "pair-%d", c);
        json_t *d =
            cs_testdata_decision(cs_testdata_call(tw->ws, ext, "2025-11-01T10:00:00Z", NULL, NULL));
        cs_testdata_add(d, "link", first[c], tw->integrations, "Single sign-on", "low");
        cs_testdata_add(d, "link", second[c], tw->integrations, "Single sign-on", "high");
        json_object_set_new(decision_at(d, 0), "quote", json_string("first"));
        json_object_set_new(decision_at(d, 1), "quote", json_string("second"));
        char mid[CS_UUID_LEN];
        cr_assert_eq(commit(valid(d), mid), CS_COMMIT_COMMITTED);
        cr_assert_eq(q("SELECT count(*) FROM feature_messages WHERE message_id = '%s'", mid), 1);
        char *mf = qtext("SELECT merged_from::text FROM feature_messages WHERE message_id = '%s'"
                         " AND feature_id = '%s' AND quote = 'first'",
                         mid, target);
        if (want[c])
            cr_expect_str_eq(mf, want[c], "case %d", c);
        else
            cr_expect_null(mf, "case %d: %s", c, mf);
        free(mf);
        cr_assert_eq(q("SELECT count(*) FROM match_decisions WHERE message_id = '%s'", mid), 2);
        json_decref(d);
    }
    cr_assert_eq(q("SELECT count(*) FROM features WHERE id = '%s' AND mention_count = 4"
                   " AND urgency = 'high'",
                   target),
                 1);
    json_decref(made);
}

/* The module alone: nothing added, nothing sent (no connection needed); rows the database
   refuses (a link to a message and feature that do not exist) fail with its reason, and the
   set is empty afterwards. */
Test(wrows, an_empty_set_sends_nothing_and_a_failure_empties_the_set)
{
    cs_wrows_t *rows = cs_wrows_new();
    cr_assert_not_null(rows);
    char err[512] = "";
    cr_assert_eq(cs_wrows_write(rows, NULL, tw->ws, tw->ws, err, sizeof err), 0);
    cs_wrow_t row = {.feature_id = tw->ws,
                     .urgency = "low",
                     .chosen = tw->ws,
                     .action = "link",
                     .method = "exact",
                     .confidence = "1",
                     .reasoning = "",
                     .extracted = "{}",
                     .candidates = "[]",
                     .scores = "{}"};
    cr_assert_eq(cs_wrows_add(rows, &row), 0);
    cr_assert_eq(cs_wrows_count(rows), 1);
    /* not a message of the database: the statement is refused (a foreign key) */
    run("BEGIN");
    cr_assert_eq(cs_wrows_write(rows, tw->db, tw->ws, tw->ws, err, sizeof err), -1);
    run("ROLLBACK");
    cr_expect(strstr(err, "foreign key") || strstr(err, "23503"), "%s", err);
    cr_assert_eq(cs_wrows_count(rows), 0);
    cs_wrows_destroy(&rows);
    cr_assert_null(rows);
    cs_wrows_destroy(&rows);
}
