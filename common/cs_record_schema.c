/*  cs_record_schema: see cs_record_schema.h. The field tables of every object type first, then
    the walk (its path, for error messages), then the checks: the limits over the whole tree,
    and the tables of the record's kind. */
#include "cs_record_schema.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cs_text.h"
#include "cs_time.h"
#include "cs_util.h"
#include "cs_uuid.h"

/* ---------------------------------------------------------------------------------------- */
/* Schemas                                                                                    */

#define REQ .required = true
#define OPT .required = false

static const cs_field_range_t AT_LEAST_0 = {0, INFINITY};
static const cs_field_range_t AT_LEAST_1 = {1, INFINITY};
static const cs_field_range_t UNIT = {0, 1};
static const cs_field_range_t SIGNED_UNIT = {-1, 1};
static const cs_field_range_t INDEX = {0, INT_MAX}; /* consumers use it as an int */

static const char *const SOURCES[] = {"gong", "replay", NULL};
static const char *const AFFILIATIONS[] = {"Internal", "External", "Unknown", NULL};
static const char *const SENTIMENTS[] = {"positive", "neutral", "negative", "mixed", NULL};
static const char *const ACTIONS[] = {"create", "link", NULL};
static const char *const METHODS[] = {"exact", "embedding", "llm", NULL};
static const char *const STATUSES[] = {"committed", "already", "failed", NULL};
/* Who named a call's customer: its CRM Account or Opportunity, a participant's CRM Contact, or
   the customers table by e-mail domain. */
static const char *const CUSTOMER_SOURCES[] = {"account", "contact", "domain", NULL};

/* "v" and "kind" are checked before the tables, for their own error messages. */

static const cs_record_field_t PARTICIPANT[] = {
    {"name", CS_FIELD_STRING, OPT},
    {"email", CS_FIELD_STRING, OPT},
    {"affiliation", CS_FIELD_STRING, OPT, .choices = AFFILIATIONS},
    {"speaker_id", CS_FIELD_STRING, OPT},
    {"user_id", CS_FIELD_STRING, OPT},
    {"title", CS_FIELD_STRING, OPT},
    {0},
};

static const cs_record_field_t CUSTOMER[] = {
    {"name", CS_FIELD_STRING, OPT},
    {"mrr", CS_FIELD_NUMBER, OPT, .range = &AT_LEAST_0},
    {"domain", CS_FIELD_STRING, OPT},
    {"source", CS_FIELD_STRING, OPT, .choices = CUSTOMER_SOURCES},
    {0},
};

static const cs_record_field_t UTTERANCE[] = {
    {"speaker_id", CS_FIELD_STRING, OPT},
    {"speaker", CS_FIELD_STRING, OPT},
    {"affiliation", CS_FIELD_STRING, OPT, .choices = AFFILIATIONS},
    {"start_ms", CS_FIELD_INT, REQ, .range = &AT_LEAST_0},
    {"text", CS_FIELD_STRING, REQ},
    {0},
};

static const cs_record_field_t FLAGS[] = {
    {"extract", CS_FIELD_BOOL, OPT},
    {"transcripts", CS_FIELD_BOOL, OPT},
    {0},
};

static const cs_record_field_t CALL[] = {
    {"workspace_id", CS_FIELD_UUID, REQ},
    {"integration_id", CS_FIELD_UUID, OPT},
    {"source", CS_FIELD_STRING, REQ, .choices = SOURCES},
    {"external_id", CS_FIELD_STRING, REQ, .min_len = 1, .max_len = 256},
    {"title", CS_FIELD_STRING, OPT, .max_len = 1024},
    {"started_at", CS_FIELD_TIME, REQ},
    {"duration_seconds", CS_FIELD_INT, OPT, .range = &AT_LEAST_0},
    {"url", CS_FIELD_STRING, OPT, .max_len = 2048},
    {"participants", CS_FIELD_ARRAY, OPT, .item = CS_FIELD_OBJECT, .fields = PARTICIPANT},
    {"customer", CS_FIELD_OBJECT, OPT, .fields = CUSTOMER},
    {"transcript", CS_FIELD_ARRAY, OPT, .item = CS_FIELD_OBJECT, .fields = UTTERANCE},
    {"flags", CS_FIELD_OBJECT, OPT, .fields = FLAGS},
    {"attempt", CS_FIELD_INT, OPT, .range = &AT_LEAST_1},
    {"run_id", CS_FIELD_STRING, OPT},
    {"transcript_truncated", CS_FIELD_BOOL, OPT},
    {"vendor_domains", CS_FIELD_ARRAY, OPT, .item = CS_FIELD_STRING},
    {0},
};

static const cs_record_field_t FEATURE_REQUEST[] = {
    {"title", CS_FIELD_STRING, REQ, .max_len = 512},
    {"description", CS_FIELD_STRING, OPT},
    {"urgency", CS_FIELD_STRING, OPT, .choices = CS_URGENCY_LEVELS},
    {"theme", CS_FIELD_STRING, OPT},
    {"quote", CS_FIELD_STRING, OPT},
    {"speaker", CS_FIELD_STRING, OPT},
    {"confidence", CS_FIELD_NUMBER, OPT, .range = &UNIT},
    {"context", CS_FIELD_STRING, OPT},
    {0},
};

static const cs_record_field_t BUG_REPORT[] = {
    {"title", CS_FIELD_STRING, REQ},
    {"description", CS_FIELD_STRING, OPT},
    {"severity", CS_FIELD_STRING, OPT, .choices = CS_URGENCY_LEVELS},
    {"quote", CS_FIELD_STRING, OPT},
    {0},
};

static const cs_record_field_t SENTIMENT[] = {
    {"overall", CS_FIELD_STRING, OPT, .choices = SENTIMENTS},
    {"score", CS_FIELD_NUMBER, OPT, .range = &SIGNED_UNIT},
    {0},
};

static const cs_record_field_t INSIGHTS[] = {
    {"feature_requests", CS_FIELD_ARRAY, OPT, .item = CS_FIELD_OBJECT, .fields = FEATURE_REQUEST},
    {"bug_reports", CS_FIELD_ARRAY, OPT, .item = CS_FIELD_OBJECT, .fields = BUG_REPORT},
    {"sentiment", CS_FIELD_OBJECT, OPT, .fields = SENTIMENT},
    {"pain_points", CS_FIELD_ARRAY, OPT, .item = CS_FIELD_STRING},
    {"summary", CS_FIELD_STRING, OPT},
    {"language", CS_FIELD_STRING, OPT, .max_len = 16},
    {"skipped", CS_FIELD_STRING, OPT, .max_len = 512},
    {0},
};

static const cs_record_field_t LLM_USAGE[] = {
    {"provider", CS_FIELD_STRING, OPT},
    {"model", CS_FIELD_STRING, OPT},
    {"prompt_tokens", CS_FIELD_INT, OPT, .range = &AT_LEAST_0},
    {"completion_tokens", CS_FIELD_INT, OPT, .range = &AT_LEAST_0},
    {"latency_ms", CS_FIELD_INT, OPT, .range = &AT_LEAST_0},
    {"cost_usd", CS_FIELD_NUMBER, OPT, .range = &AT_LEAST_0},
    {"attempts", CS_FIELD_INT, OPT, .range = &AT_LEAST_0},
    {0},
};

/* What an extraction adds to a call. */
static const cs_record_field_t EXTRACTION[] = {
    {"insights", CS_FIELD_OBJECT, OPT, .fields = INSIGHTS},
    {"llm", CS_FIELD_OBJECT, OPT, .fields = LLM_USAGE},
    {"error", CS_FIELD_STRING, OPT, .max_len = 8192},
    {"error_cause", CS_FIELD_STRING, OPT, .min_len = 1, .max_len = 64},
    /* the transcript as the writer stores it, in version 2 instead of "transcript" */
    {"transcript_text", CS_FIELD_STRING, OPT},
    {0},
};

/* A feature the matcher weighed: its vector similarity, and its lexical and fused scores. */
static const cs_record_field_t CANDIDATE[] = {
    {"id", CS_FIELD_UUID, REQ},
    {"name", CS_FIELD_STRING, OPT},
    {"similarity", CS_FIELD_NUMBER, OPT},
    {"lexical", CS_FIELD_NUMBER, OPT, .range = &UNIT},
    {"fused", CS_FIELD_NUMBER, OPT, .range = &UNIT},
    {0},
};

/* The scores behind a decision, each optional: "judge" only when the LLM judge answered,
   "margin" (the top candidate's fused score minus the runner-up's) only with two candidates or
   more. Other keys are not checked; the writer stores only these. */
static const cs_record_field_t SCORES[] = {
    {"vector", CS_FIELD_NUMBER, OPT, .range = &UNIT},
    {"lexical", CS_FIELD_NUMBER, OPT, .range = &UNIT},
    {"fused", CS_FIELD_NUMBER, OPT, .range = &UNIT},
    {"judge", CS_FIELD_NUMBER, OPT, .range = &UNIT},
    {"margin", CS_FIELD_NUMBER, OPT, .range = &UNIT},
    {0},
};

/* The matcher's decision on insights.feature_requests[index]. */
static const cs_record_field_t DECIDED[] = {
    {"index", CS_FIELD_INT, REQ, .range = &INDEX},
    {"action", CS_FIELD_STRING, REQ, .choices = ACTIONS},
    {"feature_id", CS_FIELD_UUID, REQ},
    {"theme_id", CS_FIELD_UUID, OPT},
    {"name", CS_FIELD_STRING, REQ, .max_len = 512},
    {"description", CS_FIELD_STRING, OPT},
    {"urgency", CS_FIELD_STRING, OPT, .choices = CS_URGENCY_LEVELS},
    {"confidence", CS_FIELD_NUMBER, REQ, .range = &UNIT},
    {"reasoning", CS_FIELD_STRING, OPT},
    {"method", CS_FIELD_STRING, REQ, .choices = METHODS},
    {"similarity", CS_FIELD_NUMBER, OPT},
    {"candidates", CS_FIELD_ARRAY, OPT, .item = CS_FIELD_OBJECT, .fields = CANDIDATE},
    {"scores", CS_FIELD_OBJECT, OPT, .fields = SCORES},
    {"embedding", CS_FIELD_ARRAY, OPT, .item = CS_FIELD_NUMBER},
    {"embedding_index", CS_FIELD_ARRAY, OPT, .item = CS_FIELD_INT},
    {"embedding_model", CS_FIELD_STRING, OPT, .max_len = 160},
    {"quote", CS_FIELD_STRING, OPT},
    {"speaker", CS_FIELD_STRING, OPT},
    {"request_confidence", CS_FIELD_NUMBER, OPT, .range = &UNIT},
    {0},
};

/* A merge the matcher proposes after a link (chains of duplicates collapse): feature "source"
   into "into", with the scores that made them alike. The writer carries it out. */
static const cs_record_field_t MERGE[] = {
    {"source", CS_FIELD_UUID, REQ},
    {"into", CS_FIELD_UUID, REQ},
    {"fused", CS_FIELD_NUMBER, REQ, .range = &UNIT},
    {"vector", CS_FIELD_NUMBER, OPT, .range = &SIGNED_UNIT},
    {"lexical", CS_FIELD_NUMBER, OPT, .range = &UNIT},
    {0},
};

/* What a decision adds to an extraction. */
static const cs_record_field_t DECISION[] = {
    {"decisions", CS_FIELD_ARRAY, REQ, .item = CS_FIELD_OBJECT, .fields = DECIDED},
    {"merges", CS_FIELD_ARRAY, OPT, .item = CS_FIELD_OBJECT, .fields = MERGE},
    {0},
};

static const cs_record_field_t ACK[] = {
    {"workspace_id", CS_FIELD_UUID, REQ},
    {"external_id", CS_FIELD_STRING, REQ, .min_len = 1, .max_len = 256},
    {"source", CS_FIELD_STRING, OPT},
    {"status", CS_FIELD_STRING, REQ, .choices = STATUSES},
    {"error", CS_FIELD_STRING, OPT},
    {"message_id", CS_FIELD_UUID, OPT},
    {"processed", CS_FIELD_BOOL, OPT},
    {"cause", CS_FIELD_STRING, OPT, .min_len = 1, .max_len = 64},
    {0},
};

/* The tables of each kind, indexed by cs_kind_t; each list ends in NULL. */
static const cs_record_field_t *const *const KIND_TABLES[] = {
    [CS_KIND_CALL] = (const cs_record_field_t *const[]){CALL, NULL},
    [CS_KIND_EXTRACTION] = (const cs_record_field_t *const[]){CALL, EXTRACTION, NULL},
    [CS_KIND_DECISION] = (const cs_record_field_t *const[]){CALL, EXTRACTION, DECISION, NULL},
    [CS_KIND_ACK] = (const cs_record_field_t *const[]){ACK, NULL},
};

const cs_record_field_t *const *cs_record_schema_tables(cs_kind_t kind)
{
    if ((int)kind <= CS_KIND_UNKNOWN || (size_t)kind >= CS_ARRAY_LEN(KIND_TABLES))
        return NULL;
    return KIND_TABLES[kind];
}

/* ---------------------------------------------------------------------------------------- */
/* Errors and paths                                                                           */

void cs_record_walk_push_key(cs_record_walk_t *w, const char *key, size_t keylen)
{
    assert(w->depth < CS_RECORD_MAX_DEPTH);
    w->path[w->depth++] = (cs_record_segment_t){.key = key, .keylen = keylen};
}

void cs_record_walk_push_index(cs_record_walk_t *w, size_t index)
{
    assert(w->depth < CS_RECORD_MAX_DEPTH);
    w->path[w->depth++] = (cs_record_segment_t){.index = index};
}

void cs_record_walk_pop(cs_record_walk_t *w)
{
    w->depth--;
}

/* The walk's position as "a.b[3].c" (keys cut at 64 bytes); "" at the top. */
static void s_format_path(const cs_record_walk_t *w, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < w->depth && used < size; i++) {
        const cs_record_segment_t *s = &w->path[i];
        int n;
        if (s->key)
            n = snprintf(buf + used, size - used, "%s%.*s", i ? "." : "",
                         (int)(s->keylen < 64 ? s->keylen : 64), s->key);
        else
            n = snprintf(buf + used, size - used, "[%zu]", s->index);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

int cs_record_walk_report(cs_record_walk_t *w, const char *fmt, ...)
{
    char path[256], prefix[272] = "";
    s_format_path(w, path, sizeof path);
    if (path[0])
        snprintf(prefix, sizeof prefix, "field '%s': ", path);
    if (!w->err || w->errlen == 0)
        return -1;
    int n = snprintf(w->err, w->errlen, "%s", prefix);
    if (n >= 0 && (size_t)n < w->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->err + n, w->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* ---------------------------------------------------------------------------------------- */
/* Checks                                                                                     */

size_t cs_record_walk_string_cap(const cs_record_walk_t *w)
{
    static const char KEY[] = "transcript_text";
    const cs_record_segment_t *top = &w->path[0];
    if (w->depth == 1 && top->key && top->keylen == sizeof KEY - 1 &&
        memcmp(top->key, KEY, sizeof KEY - 1) == 0)
        return CS_RECORD_MAX_TRANSCRIPT_TEXT;
    return CS_RECORD_MAX_STRING;
}

/* The limits every string and key obeys, wherever it is. `what` is "string" or "key". */
int cs_record_schema_text(cs_record_walk_t *w, const char *s, size_t n, const char *what)
{
    size_t cap = strcmp(what, "key") == 0 ? CS_RECORD_MAX_STRING : cs_record_walk_string_cap(w);
    if (n > cap)
        return cs_record_walk_report(w, "%s of %zu bytes, over the limit of %zu", what, n, cap);
    if (memchr(s, '\0', n))
        return cs_record_walk_report(w, "%s contains a NUL byte", what);
    if (!cs_text_utf8_valid(s, n))
        return cs_record_walk_report(w, "%s is not valid UTF-8", what);
    return 0;
}

int cs_record_walk_count(cs_record_walk_t *w)
{
    if (++w->values > CS_RECORD_MAX_VALUES)
        return cs_record_walk_report(w, "more than %u values in the record", CS_RECORD_MAX_VALUES);
    return 0;
}

/* The limits over a jansson tree; `depth` is that of `v` if it is a container. */
int cs_record_schema_limits(cs_record_walk_t *w, const json_t *v, int depth)
{
    if (cs_record_walk_count(w) != 0)
        return -1;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        if (depth > CS_RECORD_MAX_DEPTH)
            return cs_record_walk_report(w, "nested deeper than %d", CS_RECORD_MAX_DEPTH);
        json_t *obj = (json_t *)v; /* jansson's iterators take non-const; we only read */
        const char *key;
        size_t keylen;
        json_t *child;
        json_object_keylen_foreach(obj, key, keylen, child)
        {
            if (cs_record_schema_text(w, key, keylen, "key") != 0)
                return -1;
            cs_record_walk_push_key(w, key, keylen);
            int rc = cs_record_schema_limits(w, child, depth + 1);
            cs_record_walk_pop(w);
            if (rc != 0)
                return -1;
        }
        return 0;
    }
    case JSON_ARRAY:
        if (depth > CS_RECORD_MAX_DEPTH)
            return cs_record_walk_report(w, "nested deeper than %d", CS_RECORD_MAX_DEPTH);
        for (size_t i = 0; i < json_array_size(v); i++) {
            cs_record_walk_push_index(w, i);
            int rc = cs_record_schema_limits(w, json_array_get(v, i), depth + 1);
            cs_record_walk_pop(w);
            if (rc != 0)
                return -1;
        }
        return 0;
    case JSON_STRING:
        return cs_record_schema_text(w, json_string_value(v), json_string_length(v), "string");
    case JSON_REAL:
        if (!isfinite(json_real_value(v)))
            return cs_record_walk_report(w, "non-finite number");
        return 0;
    default:
        return 0;
    }
}

static const char *s_ftype_name(cs_field_type_t type)
{
    switch (type) {
    case CS_FIELD_STRING:
        return "string";
    case CS_FIELD_UUID:
        return "uuid";
    case CS_FIELD_TIME:
        return "time";
    case CS_FIELD_INT:
        return "integer";
    case CS_FIELD_NUMBER:
        return "number";
    case CS_FIELD_BOOL:
        return "boolean";
    case CS_FIELD_OBJECT:
        return "object";
    default:
        return "array";
    }
}

/* An ISO-8601 time as cs_time_parse_iso reads it, in at most 64 bytes. */
static bool s_time_valid(const char *s, size_t n)
{
    int64_t ignored;
    return n <= 64 && cs_time_parse_iso(s, &ignored, NULL, 0) == 0;
}

static int s_check_fields(cs_record_walk_t *w, const json_t *obj, const cs_record_field_t *fields);

/* One value of type `type`, constrained by field `f` (its type, or its item type). */
static int s_check_value(cs_record_walk_t *w, const cs_record_field_t *f, cs_field_type_t type,
                         const json_t *v)
{
    bool ok;
    switch (type) {
    case CS_FIELD_STRING:
    case CS_FIELD_UUID:
    case CS_FIELD_TIME:
        ok = json_is_string(v);
        break;
    case CS_FIELD_INT:
        ok = json_is_integer(v);
        break;
    case CS_FIELD_NUMBER:
        ok = json_is_number(v);
        break;
    case CS_FIELD_BOOL:
        ok = json_is_boolean(v);
        break;
    case CS_FIELD_OBJECT:
        ok = json_is_object(v);
        break;
    default:
        ok = json_is_array(v);
        break;
    }
    if (!ok)
        return cs_record_walk_report(w, "expected %s, got %s", s_ftype_name(type),
                                     cs_json_type_name(v));

    if (type == CS_FIELD_STRING || type == CS_FIELD_UUID || type == CS_FIELD_TIME) {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        if (type == CS_FIELD_UUID && !cs_uuid_valid_n(s, n))
            return cs_record_walk_report(w, "'%.64s' is not a uuid", s);
        if (type == CS_FIELD_TIME && !s_time_valid(s, n))
            return cs_record_walk_report(w, "'%.64s' is not an ISO-8601 time", s);
        if (f->choices) {
            const char *const *c = f->choices;
            while (*c && strcmp(*c, s) != 0)
                c++;
            if (!*c) {
                char allowed[128] = "";
                for (c = f->choices; *c; c++)
                    snprintf(allowed + strlen(allowed), sizeof allowed - strlen(allowed), "%s%s",
                             c == f->choices ? "" : "|", *c);
                return cs_record_walk_report(w, "'%.64s' is not one of %s", s, allowed);
            }
        }
        size_t chars = (f->min_len || f->max_len) ? cs_text_utf8_chars(s, n) : 0;
        if (chars < f->min_len)
            return cs_record_walk_report(w, "%zu characters, at least %zu wanted", chars,
                                         f->min_len);
        if (f->max_len && chars > f->max_len)
            return cs_record_walk_report(w, "%zu characters, at most %zu allowed", chars,
                                         f->max_len);
    } else if ((type == CS_FIELD_INT || type == CS_FIELD_NUMBER) && f->range) {
        double x = json_number_value(v);
        if (x < f->range->min || x > f->range->max) {
            char shown[32]; /* integers exactly, reals shortest */
            if (json_is_integer(v))
                snprintf(shown, sizeof shown, "%lld", (long long)json_integer_value(v));
            else
                snprintf(shown, sizeof shown, "%g", x);
            if (x < f->range->min)
                return cs_record_walk_report(w, "%s is below %g", shown, f->range->min);
            return cs_record_walk_report(w, "%s is above %g", shown, f->range->max);
        }
    } else if (type == CS_FIELD_OBJECT) {
        return s_check_fields(w, v, f->fields);
    } else if (type == CS_FIELD_ARRAY) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            cs_record_walk_push_index(w, i);
            int rc = s_check_value(w, f, f->item, json_array_get(v, i));
            cs_record_walk_pop(w);
            if (rc != 0)
                return -1;
        }
    }
    return 0;
}

/* The fields of one table on `obj`; keys the table does not name are left alone. */
static int s_check_fields(cs_record_walk_t *w, const json_t *obj, const cs_record_field_t *fields)
{
    for (const cs_record_field_t *f = fields; f->name; f++) {
        const json_t *v = json_object_get(obj, f->name);
        cs_record_walk_push_key(w, f->name, strlen(f->name));
        int rc = 0;
        if (!v) {
            if (f->required) {
                char path[256];
                s_format_path(w, path, sizeof path);
                cs_record_walk_pop(w);
                return cs_fail(w->err, w->errlen, "missing field '%s'", path);
            }
        } else if (json_is_null(v) && !f->required) {
            rc = 0;
        } else {
            rc = s_check_value(w, f, f->type, v);
        }
        cs_record_walk_pop(w);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Version 1 carries a transcript as "transcript" only; version 2, in an extraction or a
   decision only, as "transcript_text" only (cs_transcript.h). */
static int s_check_version(cs_record_walk_t *w, const json_t *rec, json_int_t version,
                           cs_kind_t kind)
{
    const char *field = version == CS_RECORD_VERSION ? "transcript_text" : "transcript";
    if (version == CS_RECORD_VERSION_TEXT && kind != CS_KIND_EXTRACTION && kind != CS_KIND_DECISION)
        return cs_record_walk_report(w, "version %d is for extraction and decision records only",
                                     CS_RECORD_VERSION_TEXT);
    if (json_object_get(rec, field))
        return cs_record_walk_report(w, "field '%s' is not allowed in a record of version %lld",
                                     field, (long long)version);
    return 0;
}

/* "v", "kind", then the tables of the kind; the limits have been checked. */
int cs_record_schema_check(cs_record_walk_t *w, const json_t *rec)
{
    if (!json_is_object(rec))
        return cs_record_walk_report(w, "record is %s, not an object",
                                     rec ? cs_json_type_name(rec) : "NULL");
    const json_t *v = json_object_get(rec, "v");
    if (!v)
        return cs_record_walk_report(w, "missing field 'v'");
    if (!json_is_integer(v))
        return cs_record_walk_report(w, "field 'v': expected integer, got %s",
                                     cs_json_type_name(v));
    json_int_t version = json_integer_value(v);
    if (version != CS_RECORD_VERSION && version != CS_RECORD_VERSION_TEXT)
        return cs_record_walk_report(w, "unsupported version %lld", (long long)version);
    const json_t *kind = json_object_get(rec, "kind");
    if (!kind)
        return cs_record_walk_report(w, "missing field 'kind'");
    if (!json_is_string(kind))
        return cs_record_walk_report(w, "field 'kind': expected string, got %s",
                                     cs_json_type_name(kind));
    cs_kind_t k = cs_kind_from_name(json_string_value(kind));
    if (k == CS_KIND_UNKNOWN)
        return cs_record_walk_report(w, "unknown kind '%.64s'", json_string_value(kind));
    for (const cs_record_field_t *const *table = KIND_TABLES[k]; *table; table++)
        if (s_check_fields(w, rec, *table) != 0)
            return -1;
    return s_check_version(w, rec, version, k);
}
