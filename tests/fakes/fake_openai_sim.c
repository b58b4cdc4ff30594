/*  The load mode of fake_openai (see fake_openai.h, "LOAD MODE", and fake_openai_int.h): the
    truth, indexed, and the simulated LLM answering from it: extraction and judge answers, the
    embeddings answer's load state, latency, and the counters. */
#define _GNU_SOURCE /* memmem, strndup */
#include "fake_openai_int.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cs_util.h"

/* The truth ---------------------------------------------------------------------------------- */

typedef struct fake_load_name {
    char *folded;    /* a request's title or variant, folded (s_fold) */
    const char *key; /* borrowed from the truth */
    size_t order;    /* of appearance: the first of equal names wins */
} s_name_t;

typedef struct fake_load_call {
    long n;             /* the call's "(load #n)" */
    const char *id;     /* its Gong call id, borrowed from the truth */
    const json_t *call; /* borrowed from the truth */
} s_call_t;

#define LOAD_DIMS      512
#define LOAD_MAX_RPM   1000000
#define LOAD_MAX_TPM   1000000000
#define LOAD_MAX_DELAY 600000
#define OPEN_MARK      "<<<TRANSCRIPT" /* the delimiters of extractor/cs_prompt.h */
#define CLOSE_MARK     "TRANSCRIPT>>>"
#define CALL_MARK      " (load #"
#define MAX_SPLITS     16 /* ". " places tried when a text is not a title itself */

/* A hash of two strings, for choices that depend on a call and a request. */
static uint64_t s_hash2(const char *a, const char *b)
{
    uint64_t h = fake_openai_hash(a, strlen(a)) ^ 0x5bd1e9955bd1e995ULL;
    uint64_t state = h ^ fake_openai_hash(b, strlen(b));
    return fake_openai_mix(&state);
}

/* The first n bytes of s lower-cased (ASCII), each run of whitespace one space, no space at
   either end. Malloc'd; NULL when out of memory. */
static char *s_fold(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isspace(c) || c < 0x20) {
            space = o > 0;
            continue;
        }
        if (space)
            out[o++] = ' ';
        space = false;
        out[o++] = (char)tolower(c);
    }
    out[o] = '\0';
    return out;
}

static int s_name_order(const void *a, const void *b)
{
    const s_name_t *x = a, *y = b;
    int c = strcmp(x->folded, y->folded);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int s_name_cmp(const void *a, const void *b)
{
    return strcmp(((const s_name_t *)a)->folded, ((const s_name_t *)b)->folded);
}

static int s_call_cmp(const void *a, const void *b)
{
    const s_call_t *x = a, *y = b;
    return (x->n > y->n) - (x->n < y->n);
}

/* The request key whose title or variant the first len bytes of text are (letter case and
   spacing aside), borrowed from the truth; NULL when none is. */
static const char *s_key_of(const fake_load_t *l, const char *text, size_t len)
{
    if (!l || l->nnames == 0)
        return NULL;
    s_name_t probe = {.folded = s_fold(text, len)};
    if (!probe.folded)
        return NULL;
    const s_name_t *hit = bsearch(&probe, l->names, l->nnames, sizeof *l->names, s_name_cmp);
    free(probe.folded);
    return hit ? hit->key : NULL;
}

/* The request a text to embed stands for: a title or variant, or one followed by ". " and
   more (the matcher embeds "name. description"). Borrowed; NULL when none. */
const char *fake_load_text_key(const fake_load_t *l, const char *text)
{
    const char *key = s_key_of(l, text, strlen(text));
    const char *p = text;
    for (int tries = 0; !key && tries < MAX_SPLITS && (p = strstr(p, ". ")) != NULL; tries++) {
        key = s_key_of(l, text, (size_t)(p - text));
        p += 2;
    }
    return key;
}

/* n from the last " (load #n)" in the first len bytes of s; false when there is none. */
static bool s_call_marker(const char *s, size_t len, long *n)
{
    bool found = false;
    size_t mlen = strlen(CALL_MARK);
    for (const char *p = s; (p = memmem(p, len - (size_t)(p - s), CALL_MARK, mlen)) != NULL; p++) {
        const char *d = p + mlen;
        long v = 0;
        bool digits = false;
        while (d < s + len && isdigit((unsigned char)*d) && v < LONG_MAX / 10 - 10) {
            v = v * 10 + (*d++ - '0');
            digits = true;
        }
        if (digits && d < s + len && *d == ')') {
            *n = v;
            found = true;
        }
    }
    return found;
}

/* Add `name` (a title or variant of request `key`) to the names. 0, or -1 out of memory. */
static int s_name_add(fake_load_t *l, size_t *cap, const char *name, const char *key)
{
    if (!name || !name[0])
        return 0;
    if (l->nnames == *cap) {
        size_t grown_cap = *cap ? *cap * 2 : 64;
        s_name_t *grown = realloc(l->names, grown_cap * sizeof *grown);
        if (!grown)
            return -1;
        l->names = grown;
        *cap = grown_cap;
    }
    char *folded = s_fold(name, strlen(name));
    if (!folded)
        return -1;
    l->names[l->nnames] = (s_name_t){folded, key, l->nnames};
    l->nnames++;
    return 0;
}

/* Index l->root: the names of the requests and the calls by n. -1 with the reason in err. */
static int s_truth_index(fake_load_t *l, char *err, size_t errlen)
{
    if (!json_is_object(l->root))
        return cs_fail(err, errlen, "the truth is not a JSON object");
    const json_t *requests = json_object_get(l->root, "requests");
    const json_t *calls = json_object_get(l->root, "calls");
    if ((requests && !json_is_object(requests)) || (calls && !json_is_object(calls)))
        return cs_fail(err, errlen, "the truth's requests and calls must be objects");
    l->requests = requests;
    size_t cap = 0;
    const char *key;
    const json_t *req;
    json_object_foreach((json_t *)requests, key, req)
    {
        if (!json_is_object(req))
            return cs_fail(err, errlen, "truth: request '%.100s' is not an object", key);
        const json_t *variants = json_object_get(req, "variants");
        if (s_name_add(l, &cap, json_string_value(json_object_get(req, "title")), key) != 0)
            return cs_fail(err, errlen, "out of memory");
        for (size_t i = 0; i < json_array_size(variants); i++)
            if (s_name_add(l, &cap, json_string_value(json_array_get(variants, i)), key) != 0)
                return cs_fail(err, errlen, "out of memory");
    }
    if (l->nnames > 0) {
        qsort(l->names, l->nnames, sizeof *l->names, s_name_order);
        size_t kept = 0;
        for (size_t i = 0; i < l->nnames; i++) {
            if (kept > 0 && strcmp(l->names[kept - 1].folded, l->names[i].folded) == 0)
                free(l->names[i].folded);
            else
                l->names[kept++] = l->names[i];
        }
        l->nnames = kept;
    }
    l->calls = calloc(json_object_size(calls) + 1, sizeof *l->calls);
    if (!l->calls)
        return cs_fail(err, errlen, "out of memory");
    const json_t *call;
    json_object_foreach((json_t *)calls, key, call)
    {
        const json_t *n = json_object_get(call, "n");
        const char *title = json_string_value(json_object_get(call, "title"));
        long index = -1;
        if (json_is_integer(n) && json_integer_value(n) >= 0 && json_integer_value(n) <= LONG_MAX)
            index = (long)json_integer_value(n);
        else if (!title || !s_call_marker(title, strlen(title), &index))
            continue; /* it can't be identified */
        l->calls[l->ncalls++] = (s_call_t){index, key, call};
    }
    qsort(l->calls, l->ncalls, sizeof *l->calls, s_call_cmp);
    return 0;
}

void fake_load_free(fake_load_t **l_p)
{
    fake_load_t *l = *l_p;
    if (!l)
        return;
    for (size_t i = 0; i < l->nnames; i++)
        free(l->names[i].folded);
    free(l->names);
    free(l->calls);
    fake_windows_free(l);
    json_decref(l->root);
    free(l);
    *l_p = NULL;
}

/* Answers ---------------------------------------------------------------------------------- */

/* This answer's delay: latency +/- uniform jitter, not below 0. */
static int s_latency(fake_openai_t *f, fake_load_t *l)
{
    int ms = l->latency_ms;
    if (l->jitter_ms > 0) {
        pthread_mutex_lock(&f->lock);
        uint64_t r = fake_openai_mix(&l->rng);
        pthread_mutex_unlock(&f->lock);
        ms += (int)(r % (uint64_t)(2 * l->jitter_ms + 1)) - l->jitter_ms;
    }
    return ms > 0 ? ms : 0;
}

/* One line of a transcript block: "[mm:ss] Name (customer): text" (or vendor, unknown). */
typedef struct {
    const char *name;
    size_t name_len;
    bool external;
    char *text; /* folded */
} s_line_t;

static void s_lines_free(s_line_t *lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(lines[i].text);
    free(lines);
}

/* The lines of the transcript block of `user` (borrowing from it): *n of them, NULL when there
   are none (or no block, or out of memory). */
static s_line_t *s_lines(const char *user, size_t *n)
{
    static const char *const AFFILIATIONS[] = {" (customer): ", " (vendor): ", " (unknown): "};
    *n = 0;
    const char *p = strstr(user, OPEN_MARK "\n");
    if (!p)
        return NULL;
    p += strlen(OPEN_MARK) + 1;
    const char *end = strstr(p, "\n" CLOSE_MARK);
    if (!end)
        end = p + strlen(p);
    s_line_t *lines = NULL;
    size_t cap = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        const char *name = p;
        if (*p == '[') {
            const char *close = memchr(p, ']', (size_t)(eol - p));
            name = close && close + 1 < eol && close[1] == ' ' ? close + 2 : p;
        }
        const char *mark = NULL;
        size_t aff = 0;
        for (size_t a = 0; a < 3; a++) {
            const char *m =
                memmem(name, (size_t)(eol - name), AFFILIATIONS[a], strlen(AFFILIATIONS[a]));
            if (m && (!mark || m < mark)) {
                mark = m;
                aff = a;
            }
        }
        if (mark) {
            if (*n == cap) {
                size_t grown_cap = cap ? cap * 2 : 64;
                s_line_t *grown = realloc(lines, grown_cap * sizeof *grown);
                if (!grown) {
                    s_lines_free(lines, *n);
                    *n = 0;
                    return NULL;
                }
                lines = grown;
                cap = grown_cap;
            }
            const char *text = mark + strlen(AFFILIATIONS[aff]);
            s_line_t *line = &lines[*n];
            *line = (s_line_t){name, (size_t)(mark - name), aff == 0,
                               s_fold(text, (size_t)(eol - text))};
            if (line->text)
                (*n)++;
        }
        p = eol + 1;
    }
    return lines;
}

/* The line whose text holds `sentence` (a customer's line first), or NULL. */
static const s_line_t *s_line_with(const s_line_t *lines, size_t n, const char *sentence)
{
    char *folded = s_fold(sentence, strlen(sentence));
    const s_line_t *any = NULL;
    for (size_t i = 0; folded && folded[0] && i < n; i++)
        if (strstr(lines[i].text, folded)) {
            if (lines[i].external) {
                any = &lines[i];
                break;
            }
            if (!any)
                any = &lines[i];
        }
    free(folded);
    return any;
}

/* The theme to answer for the true `theme` (may be NULL), as the request's schema allows: the
   true one when listed (in the schema's spelling), else "Uncategorized", else null when
   allowed, else the first listed; null when the schema says there are no themes; the true one
   when the request has no schema. New reference. */
static json_t *s_theme_for(const json_t *request, const char *theme)
{
    const json_t *prop =
        fake_openai_dig(request, "response_format", "json_schema", "schema", "properties",
                        "feature_requests", "items", "properties", "theme", (const char *)NULL);
    const json_t *names = json_object_get(prop, "enum");
    const char *type = json_string_value(json_object_get(prop, "type"));
    if (!json_is_array(names) && type && strcmp(type, "null") == 0)
        return json_null();
    if (!json_is_array(names))
        return theme ? json_string(theme) : json_null();
    const char *pick = NULL;
    bool null_ok = false;
    size_t i;
    const json_t *name;
    json_array_foreach(names, i, name)
    {
        const char *s = json_string_value(name);
        null_ok = null_ok || json_is_null(name);
        if (s && theme && strcasecmp(s, theme) == 0)
            return json_string(s);
    }
    json_array_foreach(names, i, name)
    {
        const char *s = json_string_value(name);
        if (s && strcasecmp(s, "Uncategorized") == 0)
            return json_string(s);
        if (s && !pick)
            pick = s;
    }
    return null_ok || !pick ? json_null() : json_string(pick);
}

static const char *s_level(uint64_t h)
{
    unsigned v = (unsigned)(h % 10);
    return v < 6 ? "medium" : v < 8 ? "high" : "low";
}

/* The call an extraction prompt is about: the "(load #n)" marker in the lines before the
   transcript. NULL when there is none, or no call n. */
static const s_call_t *s_call_of(const fake_load_t *l, const char *user)
{
    const char *block = strstr(user, OPEN_MARK);
    size_t len = block ? (size_t)(block - user) : strlen(user);
    s_call_t probe = {0};
    if (l->ncalls == 0 || !s_call_marker(user, len, &probe.n))
        return NULL;
    return bsearch(&probe, l->calls, l->ncalls, sizeof *l->calls, s_call_cmp);
}

/* The extraction answer (malloc'd JSON text) for a prompt whose user message is `user`;
 *known says whether its call was identified. NULL when out of memory. */
static char *s_extract(const fake_load_t *l, const json_t *request, const char *user, bool *known)
{
    const s_call_t *call = s_call_of(l, user);
    *known = call != NULL;
    size_t nlines = 0;
    s_line_t *lines = call ? s_lines(user, &nlines) : NULL;
    json_t *features = json_array(), *bugs = json_array();
    size_t i;
    const json_t *item;
    json_array_foreach(call ? json_object_get(call->call, "requests") : NULL, i, item)
    {
        const char *key = json_string_value(json_object_get(item, "key"));
        const char *sentence = json_string_value(json_object_get(item, "sentence"));
        const json_t *req = key ? json_object_get(l->requests, key) : NULL;
        const s_line_t *line = req && sentence ? s_line_with(lines, nlines, sentence) : NULL;
        if (!line)
            continue;
        uint64_t h = s_hash2(call->id, key);
        const json_t *variants = json_object_get(req, "variants");
        size_t nvariants = json_array_size(variants);
        const char *title =
            nvariants ? json_string_value(json_array_get(variants, (h >> 16) % nvariants)) : NULL;
        if (!title)
            title = json_string_value(json_object_get(req, "title"));
        if (!title)
            title = key;
        char *description = cs_strdup_printf("The customer asks for %s.", title);
        json_t *speaker = line->external ? json_stringn(line->name, line->name_len) : json_null();
        /* the rep's restatement the customer agreed to, when the truth has one in this block */
        const char *context = json_string_value(json_object_get(item, "context"));
        if (context && !s_line_with(lines, nlines, context))
            context = NULL;
        json_array_append_new(
            features,
            json_pack("{s:s, s:s*, s:s, s:o, s:s, s:o*, s:o*, s:f}", "title", title, "description",
                      description, "urgency", s_level(h), "theme",
                      s_theme_for(request, json_string_value(json_object_get(req, "theme"))),
                      "quote", sentence, "speaker", speaker, "context",
                      context ? json_string(context) : json_null(), "confidence",
                      0.5 + (double)(h % 50) / 100));
        free(description);
    }
    json_array_foreach(call ? json_object_get(call->call, "bugs") : NULL, i, item)
    {
        const char *title = json_string_value(json_object_get(item, "title"));
        const char *sentence = json_string_value(json_object_get(item, "sentence"));
        if (!title || !sentence || !s_line_with(lines, nlines, sentence))
            continue;
        char *description = cs_strdup_printf("The customer reports a problem: %s.", title);
        json_array_append_new(
            bugs, json_pack("{s:s, s:s*, s:s, s:s}", "title", title, "description", description,
                            "severity", s_level(s_hash2(call->id, title)), "quote", sentence));
        free(description);
    }
    s_lines_free(lines, nlines);
    static const char *const MOODS[] = {"positive", "neutral", "positive", "mixed", "negative"};
    static const double SCORES[] = {0.6, 0.0, 0.4, 0.1, -0.4};
    unsigned mood = call ? (unsigned)(fake_openai_hash(call->id, strlen(call->id)) % 5) : 1;
    const char *customer = call ? json_string_value(json_object_get(call->call, "customer")) : NULL;
    char *summary =
        call ? cs_strdup_printf("A call with %s: the customer asked for %zu feature(s) and "
                                "reported %zu problem(s).",
                                customer && customer[0] ? customer : "a customer",
                                json_array_size(features), json_array_size(bugs))
             : strdup("Nothing to report.");
    const char *language = call ? json_string_value(json_object_get(call->call, "language")) : NULL;
    json_t *answer =
        json_pack("{s:o*, s:o*, s:{s:s, s:f}, s:[], s:s*, s:s}", "feature_requests", features,
                  "bug_reports", bugs, "sentiment", "overall", MOODS[mood], "score", SCORES[mood],
                  "pain_points", "summary", summary, "language", language ? language : "en");
    free(summary);
    char *text = answer ? json_dumps(answer, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(answer);
    return text;
}

/* The judge's answer (malloc'd JSON text) for the user message `user`; *duplicate says which. */
static char *s_judge(const fake_load_t *l, const char *user, bool *duplicate)
{
    const char *key = NULL;
    const char *t = strstr(user, "Title: <<<");
    if (t) {
        t += strlen("Title: <<<");
        const char *e = strstr(t, ">>>");
        key = e ? s_key_of(l, t, (size_t)(e - t)) : NULL;
    }
    char *match = NULL;
    bool second = false; /* another candidate is the same request too */
    const char *p = strstr(user, "\nEXISTING FEATURES:\n");
    for (p = p && key ? p + strlen("\nEXISTING FEATURES:\n") : NULL; p && *p && !second;) {
        const char *eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        const char *d = p;
        while (d < eol && isdigit((unsigned char)*d))
            d++;
        const char *id = d > p && strncmp(d, ". [", 3) == 0 ? d + 3 : NULL;
        const char *id_end = id ? memmem(id, (size_t)(eol - id), "] <<<", 5) : NULL;
        const char *name = id_end ? id_end + 5 : NULL;
        const char *name_end = name ? memmem(name, (size_t)(eol - name), ">>>", 3) : NULL;
        if (name_end) {
            const char *other = s_key_of(l, name, (size_t)(name_end - name));
            if (other && strcmp(other, key) == 0) {
                second = match != NULL;
                if (!match)
                    match = strndup(id, (size_t)(id_end - id));
            }
        }
        p = *eol ? eol + 1 : eol;
    }
    *duplicate = match != NULL;
    json_t *answer;
    if (match) {
        char *why = cs_strdup_printf("Both ask for the same capability (request '%s').", key);
        answer = json_pack("{s:b, s:s, s:f, s:f, s:s*}", "is_duplicate", 1, "matching_feature_id",
                           match, "confidence", 0.9, "runner_up_confidence", second ? 0.9 : 0.05,
                           "reasoning", why);
        free(why);
    } else {
        answer = json_pack("{s:b, s:n, s:f, s:f, s:s}", "is_duplicate", 0, "matching_feature_id",
                           "confidence", 0.85, "runner_up_confidence", 0.05, "reasoning",
                           "None of the existing features asks for the same capability.");
    }
    free(match);
    char *text = answer ? json_dumps(answer, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(answer);
    return text;
}

/* The load mode's answer to a chat or embeddings request, into *a (zeroed on entry; a->owned
   holds its memory): 0, or -1 for another path or out of memory. */
int fake_load_answer(fake_openai_t *f, const char *path, const json_t *request,
                     fake_openai_answer_t *a)
{
    fake_load_t *l = f->load;
    if (strcmp(path, FAKE_OPENAI_EMBED_PATH) == 0) {
        int status = 0;
        long tokens = 0, inputs = 0;
        char *text = fake_openai_embeddings_text(l, request, &status, &tokens, &inputs);
        if (!text)
            return -1;
        *a = (fake_openai_answer_t){
            .kind = FAKE_OPENAI_RAW, .status = status, .body = text, .owned = text};
        if (status == 200)
            a->delay_ms = s_latency(f, l);
        pthread_mutex_lock(&f->lock);
        l->stats.embeddings++;
        l->stats.embedding_inputs += inputs;
        l->stats.embedding_tokens += tokens;
        pthread_mutex_unlock(&f->lock);
        return 0;
    }
    if (strcmp(path, FAKE_OPENAI_CHAT_PATH) != 0)
        return -1;
    const json_t *messages = json_object_get(request, "messages");
    const char *user = "";
    size_t prompt_bytes = 0, i;
    const json_t *m;
    json_array_foreach(messages, i, m)
    {
        prompt_bytes += strlen(fake_openai_message_text(m));
        const char *role = json_string_value(json_object_get(m, "role"));
        if (role && strcmp(role, "user") == 0)
            user = fake_openai_message_text(m);
    }
    const char *schema = json_string_value(
        fake_openai_dig(request, "response_format", "json_schema", "name", (const char *)NULL));
    bool extract = (schema && strcmp(schema, "call_insights") == 0) || strstr(user, OPEN_MARK "\n");
    bool judge = !extract && ((schema && strcmp(schema, "duplicate_check") == 0) ||
                              strncmp(user, "NEW FEATURE:", strlen("NEW FEATURE:")) == 0);
    bool known = false, duplicate = false;
    char *content;
    if (extract)
        content = s_extract(l, request, user, &known);
    else if (judge)
        content = s_judge(l, user, &duplicate);
    else
        content = strdup(
            fake_openai_message_text(json_array_get(messages, json_array_size(messages) - 1)));
    if (!content)
        return -1;
    *a = (fake_openai_answer_t){.kind = FAKE_OPENAI_CHAT,
                                .content = content,
                                .owned = content,
                                .prompt_tokens = fake_openai_estimate_tokens(prompt_bytes),
                                .completion_tokens = fake_openai_estimate_tokens(strlen(content)),
                                .delay_ms = s_latency(f, l)};
    pthread_mutex_lock(&f->lock);
    l->stats.chat_extract += extract;
    l->stats.extract_unknown += extract && !known;
    l->stats.chat_judge += judge;
    l->stats.judge_duplicate += judge && duplicate;
    l->stats.judge_new += judge && !duplicate;
    l->stats.chat_other += !extract && !judge;
    l->stats.prompt_tokens += a->prompt_tokens;
    l->stats.completion_tokens += a->completion_tokens;
    pthread_mutex_unlock(&f->lock);
    return 0;
}

/* The load state and its counters ------------------------------------------------------------ */

fake_load_t *fake_load_new(const fake_openai_load_opts_t *opts, char *err, size_t errlen)
{
    if (opts->port < 0 || opts->port > 65535 || opts->latency_ms < 0 ||
        opts->latency_ms > LOAD_MAX_DELAY || opts->jitter_ms < 0 ||
        opts->jitter_ms > LOAD_MAX_DELAY || opts->rpm < 0 || opts->rpm > LOAD_MAX_RPM ||
        opts->tpm < 0 || opts->tpm > LOAD_MAX_TPM || opts->embeddings_rpm < -1 ||
        opts->embeddings_rpm > LOAD_MAX_RPM || opts->embeddings_tpm < -1 ||
        opts->embeddings_tpm > LOAD_MAX_TPM || opts->dims < 0 ||
        opts->dims > FAKE_OPENAI_MAX_DIMS) {
        cs_fail(err, errlen,
                "options out of range (port 0..65535, latency and jitter 0..%d ms, rpm 0..%d, "
                "tpm 0..%d, the embeddings' -1 or as much, dims 0..%d)",
                LOAD_MAX_DELAY, LOAD_MAX_RPM, LOAD_MAX_TPM, FAKE_OPENAI_MAX_DIMS);
        return NULL;
    }
    fake_load_t *l = calloc(1, sizeof *l);
    if (!l) {
        cs_fail(err, errlen, "out of memory");
        return NULL;
    }
    l->latency_ms = opts->latency_ms;
    l->jitter_ms = opts->jitter_ms;
    l->rpm = opts->rpm;
    l->tpm = opts->tpm;
    /* 0: as the chat models; -1: none */
    l->embeddings_rpm = opts->embeddings_rpm == 0  ? opts->rpm
                        : opts->embeddings_rpm > 0 ? opts->embeddings_rpm
                                                   : 0;
    l->embeddings_tpm = opts->embeddings_tpm == 0  ? opts->tpm
                        : opts->embeddings_tpm > 0 ? opts->embeddings_tpm
                                                   : 0;
    l->shared = opts->shared_limit;
    l->quiet = opts->no_limit_headers;
    l->dims = opts->dims > 0 ? opts->dims : LOAD_DIMS;
    l->rng = (uint64_t)cs_wall_ms() ^ ((uint64_t)getpid() << 32);
    json_error_t jerr;
    if (opts->truth_path) {
        l->root = json_load_file(opts->truth_path, 0, &jerr);
        if (!l->root && jerr.line > 0)
            cs_fail(err, errlen, "cannot read the truth %s: %s (line %d)", opts->truth_path,
                    jerr.text, jerr.line);
        else if (!l->root)
            cs_fail(err, errlen, "cannot read the truth %s: %s", opts->truth_path, jerr.text);
    } else if (opts->truth) {
        l->root = json_deep_copy(opts->truth);
        if (!l->root)
            cs_fail(err, errlen, "out of memory");
    } else {
        l->root = json_object();
        if (!l->root)
            cs_fail(err, errlen, "out of memory");
    }
    l->window_ms = (opts->window_s > 0 && opts->window_s < 60 ? opts->window_s : 60) * 1000LL;
    if (!l->root || s_truth_index(l, err, errlen) != 0) {
        fake_load_free(&l);
        return NULL;
    }
    return l;
}

void fake_openai_load_stats(fake_openai_t *f, fake_openai_load_stats_t *out)
{
    pthread_mutex_lock(&f->lock);
    if (f->load)
        *out = f->load->stats;
    else
        memset(out, 0, sizeof *out);
    pthread_mutex_unlock(&f->lock);
}

char *fake_openai_load_stats_json(fake_openai_t *f)
{
    fake_openai_load_stats_t st;
    fake_openai_load_stats(f, &st);
    json_t *line = json_pack(
        "{s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:I, s:I, s:{s:I, s:I}, s:I, s:{s:I, s:I, s:I, s:I}}",
        "requests", "chat_extract", (json_int_t)st.chat_extract, "chat_judge",
        (json_int_t)st.chat_judge, "chat_other", (json_int_t)st.chat_other, "embeddings",
        (json_int_t)st.embeddings, "other", (json_int_t)st.other, "total",
        (json_int_t)(st.chat_extract + st.chat_judge + st.chat_other + st.embeddings + st.other),
        "rate_limited", (json_int_t)st.rate_limited, "extract_unknown_call",
        (json_int_t)st.extract_unknown, "judge", "duplicate", (json_int_t)st.judge_duplicate, "new",
        (json_int_t)st.judge_new, "embedding_inputs", (json_int_t)st.embedding_inputs, "tokens",
        "prompt", (json_int_t)st.prompt_tokens, "completion", (json_int_t)st.completion_tokens,
        "embedding", (json_int_t)st.embedding_tokens, "total",
        (json_int_t)(st.prompt_tokens + st.completion_tokens + st.embedding_tokens));
    char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
    json_decref(line);
    return text;
}
