#include "cs_insights.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_buf.h"
#include "cs_llm.h"
#include "cs_record.h"
#include "cs_text.h"
#include "cs_util.h"

static const char *const OVERALLS[] = {"positive", "neutral", "negative", "mixed", NULL};

/* ---------------------------------------------------------------------------------------- */
/* Characters                                                                                 */

/* Control characters, C0 and C1, and the Unicode line and paragraph separators. */
static bool is_control(uint32_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
}

static bool is_space(uint32_t c)
{
    return c == ' ' || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x202f ||
           c == 0x205f || c == 0x3000;
}

/* Invisible format characters: zero-width, bidirectional marks and overrides, word joiner,
   BOM, soft hyphen. They are removed, not turned into spaces. */
static bool is_format(uint32_t c)
{
    return c == 0xad || (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
           (c >= 0x2060 && c <= 0x2064) || (c >= 0x2066 && c <= 0x206f) || c == 0xfeff;
}

/* Apostrophes and their look-alikes: cs_insights_normalise drops them, so that "can't",
   "can’t" and "cant" compare equal. */
static bool is_apostrophe(uint32_t c)
{
    return c == '\'' || c == '`' || c == 0xb4 || c == 0x2bc || c == 0x2018 || c == 0x2019 ||
           c == 0x201b || c == 0x2032;
}

/* Punctuation and symbols: everything that separates words in cs_insights_normalise. */
static bool is_punct(uint32_t c)
{
    if (c < 0x80)
        return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
    if (c >= 0xa1 && c <= 0xbf) /* Latin-1 signs, except ª ² ³ µ ¹ º ¼ ½ ¾ */
        return !(c == 0xaa || c == 0xb2 || c == 0xb3 || c == 0xb5 || c == 0xb9 || c == 0xba ||
                 (c >= 0xbc && c <= 0xbe));
    return c == 0xd7 || c == 0xf7 || (c >= 0x2010 && c <= 0x205e) || /* general punctuation */
           (c >= 0x20a0 && c <= 0x20cf) ||                           /* currency */
           (c >= 0x2190 && c <= 0x2bff) ||                           /* arrows to misc symbols */
           (c >= 0x3001 && c <= 0x303f) ||                           /* CJK punctuation */
           (c >= 0xfe10 && c <= 0xfe1f) || (c >= 0xfe30 && c <= 0xfe6f) ||
           (c >= 0xff01 && c <= 0xff0f) || (c >= 0xff1a && c <= 0xff20) ||
           (c >= 0xff3b && c <= 0xff40) || (c >= 0xff5b && c <= 0xff65) || c == 0xfffd;
}

/* Lower case for the scripts a B2B call transcript mostly uses. */
static uint32_t fold_case(uint32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 0x20;
    if (c < 0xc0)
        return c;
    if (c <= 0xde && c != 0xd7)
        return c + 0x20;
    if (c >= 0x100 && c <= 0x17f) { /* Latin Extended-A: pairs */
        if ((c <= 0x137 || (c >= 0x14a && c <= 0x177)) && c % 2 == 0)
            return c + 1;
        if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e)) && c % 2 == 1)
            return c + 1;
        if (c == 0x178)
            return 0xff;
        return c;
    }
    if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2) /* Greek */
        return c + 0x20;
    if (c >= 0x410 && c <= 0x42f) /* Cyrillic */
        return c + 0x20;
    if (c >= 0x400 && c <= 0x40f)
        return c + 0x50;
    if (c >= 0xff21 && c <= 0xff3a) /* fullwidth Latin */
        return c + 0x20;
    return c;
}

/* ---------------------------------------------------------------------------------------- */
/* Building strings (cs_buf)                                                                  */

static void sb_put(cs_buf_t *b, uint32_t c)
{
    char u[4];
    size_t n;
    if (c < 0x80) {
        u[0] = (char)c, n = 1;
    } else if (c < 0x800) {
        u[0] = (char)(0xc0 | (c >> 6)), u[1] = (char)(0x80 | (c & 0x3f)), n = 2;
    } else if (c < 0x10000) {
        u[0] = (char)(0xe0 | (c >> 12)), u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        u[2] = (char)(0x80 | (c & 0x3f)), n = 3;
    } else {
        u[0] = (char)(0xf0 | (c >> 18)), u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((c >> 6) & 0x3f)), u[3] = (char)(0x80 | (c & 0x3f)), n = 4;
    }
    cs_buf_add(b, u, n);
}

/* ---------------------------------------------------------------------------------------- */
/* Normal forms                                                                               */

char *cs_insights_normalise(const char *text)
{
    if (!text)
        return NULL;
    cs_buf_t b = {0};
    bool gap = false;
    const char *s = text, *end = text + strlen(text);
    while (s < end) {
        size_t n;
        uint32_t c = cs_text_utf8_next(s, (size_t)(end - s), &n);
        s += n;
        if (c != CS_TEXT_BAD_CHAR && (is_format(c) || is_apostrophe(c)))
            continue;
        if (c == CS_TEXT_BAD_CHAR || is_control(c) || is_space(c) || is_punct(c)) {
            gap = true;
            continue;
        }
        if (gap && b.len > 0)
            cs_buf_add(&b, " ", 1);
        gap = false;
        sb_put(&b, fold_case(c));
    }
    return cs_buf_take(&b);
}

char *cs_insights_clean(const char *text, size_t max_chars)
{
    if (!text)
        return NULL;
    cs_buf_t b = {0};
    bool gap = false;
    size_t chars = 0;
    const char *s = text, *end = text + strlen(text);
    while (s < end) {
        size_t n;
        uint32_t c = cs_text_utf8_next(s, (size_t)(end - s), &n);
        s += n;
        if (c == CS_TEXT_BAD_CHAR)
            c = 0xfffd;
        if (is_format(c))
            continue;
        if (is_control(c) || is_space(c)) {
            gap = true;
            continue;
        }
        size_t need = gap && b.len > 0 ? 2 : 1;
        if (max_chars && chars + need > max_chars)
            break;
        if (need == 2)
            cs_buf_add(&b, " ", 1);
        gap = false;
        sb_put(&b, c);
        chars += need;
    }
    return cs_buf_take(&b);
}

/* Case-folded, cleaned: for comparing names. Caller frees; NULL when out of memory. */
static char *fold_key(const char *text)
{
    char *clean = cs_insights_clean(text, 0);
    if (!clean)
        return NULL;
    cs_buf_t b = {0};
    const char *s = clean, *end = clean + strlen(clean);
    while (s < end) {
        size_t n;
        uint32_t c = cs_text_utf8_next(s, (size_t)(end - s), &n);
        s += n;
        sb_put(&b, fold_case(c));
    }
    free(clean);
    return cs_buf_take(&b);
}

/* 1 when a and b are the same name, letter case and surrounding whitespace aside; 0 when not;
   -1 when out of memory. */
static int same_name(const char *a, const char *b)
{
    char *ka = fold_key(a), *kb = fold_key(b);
    int rc = ka && kb ? strcmp(ka, kb) == 0 : -1;
    free(ka);
    free(kb);
    return rc;
}

/* The index of `value` in a NULL-terminated list, letter case and surrounding whitespace
   aside; -1 when absent. */
static int choice_index(const char *const *list, const char *value)
{
    if (!value)
        return -1;
    for (int i = 0; list[i]; i++)
        if (same_name(list[i], value) == 1)
            return i;
    return -1;
}

const char *cs_insights_overall(double score)
{
    if (score > 0.25)
        return "positive";
    if (score < -0.25)
        return "negative";
    return "neutral";
}

/* ---------------------------------------------------------------------------------------- */
/* Themes                                                                                     */

static const char *theme_at(const json_t *themes, size_t i)
{
    const char *name = cs_rec_str(json_array_get(themes, i), "name");
    return name && name[0] ? name : NULL;
}

const char *cs_insights_default_theme(const json_t *themes)
{
    for (size_t i = 0; i < json_array_size(themes); i++)
        if (theme_at(themes, i) &&
            json_is_true(json_object_get(json_array_get(themes, i), "is_default")))
            return theme_at(themes, i);
    for (size_t i = 0; i < json_array_size(themes); i++)
        if (theme_at(themes, i) && same_name(theme_at(themes, i), CS_DEFAULT_THEME_NAME) == 1)
            return theme_at(themes, i);
    return NULL;
}

const char *cs_insights_theme_name(const json_t *themes, const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < json_array_size(themes); i++)
        if (theme_at(themes, i) && strcmp(theme_at(themes, i), name) == 0)
            return theme_at(themes, i);
    for (size_t i = 0; i < json_array_size(themes); i++)
        if (theme_at(themes, i) && same_name(theme_at(themes, i), name) == 1)
            return theme_at(themes, i);
    return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Quotes: what the customer said, as runs of one speaker's consecutive utterances             */

typedef struct {
    char *words;         /* the run's text, normalised */
    const char *speaker; /* the speaker's name, borrowed from the transcript; may be NULL */
} run_t;

typedef struct {
    run_t *runs;
    size_t count;
    const char **names; /* the customer speakers' names, each once, borrowed */
    size_t name_count;
} said_t;

static bool is_affiliation(const json_t *u, const char *affiliation)
{
    const char *a = cs_rec_str(u, "affiliation");
    return a && strcmp(a, affiliation) == 0;
}

/* Whether u is a customer's utterance. When the transcript marks nobody External (no
   affiliations known), anyone not marked Internal counts as a customer. */
static bool by_customer(const json_t *u, bool any_external)
{
    if (!cs_rec_str(u, "text"))
        return false;
    return any_external ? is_affiliation(u, "External") : !is_affiliation(u, "Internal");
}

/* Who said u, to tell consecutive utterances of one speaker; NULL when unknown. */
static const char *speaker_key(const json_t *u)
{
    const char *id = cs_rec_str(u, "speaker_id");
    return id ? id : cs_rec_str(u, "speaker");
}

static void said_free(said_t *said)
{
    for (size_t i = 0; i < said->count; i++)
        free(said->runs[i].words);
    free(said->runs);
    free(said->names);
    memset(said, 0, sizeof *said);
}

static void said_add_name(said_t *said, const char *name)
{
    if (!name || !name[0])
        return;
    for (size_t i = 0; i < said->name_count; i++)
        if (strcmp(said->names[i], name) == 0)
            return;
    said->names[said->name_count++] = name;
}

/* Index what the customers said in `transcript` (borrowed; may be NULL). -1: out of memory. */
static int said_build(said_t *said, const json_t *transcript)
{
    memset(said, 0, sizeof *said);
    size_t n = json_array_size(transcript);
    if (n == 0)
        return 0;
    said->runs = calloc(n, sizeof *said->runs);
    said->names = calloc(n, sizeof *said->names);
    if (!said->runs || !said->names) {
        said_free(said);
        return -1;
    }
    bool any_external = false;
    for (size_t i = 0; i < n && !any_external; i++)
        any_external = is_affiliation(json_array_get(transcript, i), "External");
    size_t i = 0;
    while (i < n) {
        const json_t *u = json_array_get(transcript, i++);
        if (!by_customer(u, any_external))
            continue;
        cs_buf_t text = {0};
        cs_buf_add(&text, cs_rec_str(u, "text"), strlen(cs_rec_str(u, "text")));
        const char *key = speaker_key(u);
        while (key && i < n) {
            const json_t *next = json_array_get(transcript, i);
            const char *next_key = speaker_key(next);
            if (!by_customer(next, any_external) || !next_key || strcmp(key, next_key) != 0)
                break;
            cs_buf_add(&text, " ", 1);
            cs_buf_add(&text, cs_rec_str(next, "text"), strlen(cs_rec_str(next, "text")));
            i++;
        }
        char *joined = cs_buf_take(&text);
        run_t *run = &said->runs[said->count];
        run->words = cs_insights_normalise(joined);
        run->speaker = cs_rec_str(u, "speaker");
        free(joined);
        if (!run->words) {
            said_free(said);
            return -1;
        }
        said->count++;
        said_add_name(said, run->speaker);
    }
    return 0;
}

/* The first occurrence of `needle` in `hay` at or after `from` that starts and ends on a word
   boundary (both are normalised: words separated by single spaces). */
static const char *find_words(const char *hay, const char *from, const char *needle)
{
    size_t len = strlen(needle);
    for (const char *p = strstr(from, needle); p; p = strstr(p + 1, needle))
        if ((p == hay || p[-1] == ' ') && (p[len] == '\0' || p[len] == ' '))
            return p;
    return NULL;
}

/* The next part of a quote: up to "..." or "…" (or the end). Sets *next past the ellipsis. */
static size_t quote_part(const char *s, const char **next)
{
    const char *dots = strstr(s, "...");
    const char *ellipsis = strstr(s, "\xe2\x80\xa6");
    const char *end = dots && (!ellipsis || dots < ellipsis) ? dots : ellipsis;
    if (!end) {
        *next = NULL;
        return strlen(s);
    }
    *next = end + 3; /* both are three bytes */
    return (size_t)(end - s);
}

/* Whether `quote` appears in one run of customer words, its parts in order. Sets *speaker to
   that run's speaker (may be NULL). Returns 1 found, 0 not, -1 out of memory. */
static int said_find(const said_t *said, const char *quote, const char **speaker)
{
    char *parts[16];
    size_t count = 0;
    int rc = 0;
    for (const char *s = quote, *next; s; s = next) {
        if (count == CS_ARRAY_LEN(parts)) /* too cut up to be anyone's words */
            goto done;
        size_t len = quote_part(s, &next);
        char *raw = strndup(s, len);
        char *words = raw ? cs_insights_normalise(raw) : NULL;
        free(raw);
        if (!words) {
            rc = -1;
            goto done;
        }
        if (words[0] == '\0')
            free(words);
        else
            parts[count++] = words;
    }
    for (size_t r = 0; r < said->count && count > 0 && rc == 0; r++) {
        const char *hay = said->runs[r].words, *at = hay;
        size_t k = 0;
        for (; k < count; k++) {
            const char *p = find_words(hay, at, parts[k]);
            if (!p)
                break;
            at = p + strlen(parts[k]);
        }
        if (k == count) {
            *speaker = said->runs[r].speaker;
            rc = 1;
        }
    }
done:
    for (size_t k = 0; k < count; k++)
        free(parts[k]);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Collecting items: one per request, a cap on their number                                   */

typedef struct {
    json_t *items;     /* the array being built */
    const char *level; /* "urgency" or "severity" */
    char *titles[CS_INSIGHTS_MAX_ITEMS];
    char *quotes[CS_INSIGHTS_MAX_ITEMS];
} collector_t;

enum { COLLECT_ADDED = 0, COLLECT_REPEAT = 1, COLLECT_FULL = 2, COLLECT_NOMEM = -1 };

static void collector_free(collector_t *c)
{
    for (size_t i = 0; i < json_array_size(c->items); i++) {
        free(c->titles[i]);
        free(c->quotes[i]);
    }
    json_decref(c->items);
    c->items = NULL;
}

static int level_rank(const char *level)
{
    return choice_index(CS_URGENCY_LEVELS, level);
}

static bool same_key(const char *a, const char *b)
{
    return a && b && a[0] && strcmp(a, b) == 0;
}

/* Fold `item` into the earlier item `kept`: the higher level, and what `kept` lacks. */
static int fold_into(json_t *kept, const json_t *item, const char *level)
{
    int rc = 0;
    const char *mine = cs_rec_str(kept, level), *theirs = cs_rec_str(item, level);
    if (theirs && level_rank(theirs) > level_rank(mine))
        rc |= json_object_set_new(kept, level, json_string(theirs));
    if (!cs_rec_str(kept, "quote") && cs_rec_str(item, "quote")) {
        rc |= json_object_set(kept, "quote", json_object_get(item, "quote"));
        json_object_del(kept, "speaker");
        if (cs_rec_str(item, "speaker"))
            rc |= json_object_set(kept, "speaker", json_object_get(item, "speaker"));
    }
    if (!cs_rec_str(kept, "description") && cs_rec_str(item, "description"))
        rc |= json_object_set(kept, "description", json_object_get(item, "description"));
    return rc ? -1 : 0;
}

/* Add `item` (an object with a string title; the reference is taken). */
static int collect(collector_t *c, json_t *item)
{
    char *title = cs_insights_normalise(cs_rec_str(item, "title"));
    char *quote =
        cs_rec_str(item, "quote") ? cs_insights_normalise(cs_rec_str(item, "quote")) : NULL;
    int rc = COLLECT_ADDED;
    if (!title || (cs_rec_str(item, "quote") && !quote)) {
        rc = COLLECT_NOMEM;
        goto out;
    }
    size_t n = json_array_size(c->items);
    for (size_t i = 0; i < n; i++) {
        if (!same_key(c->titles[i], title) && !same_key(c->quotes[i], quote))
            continue;
        json_t *kept = json_array_get(c->items, i);
        bool had_quote = cs_rec_str(kept, "quote") != NULL;
        if (fold_into(kept, item, c->level) != 0) {
            rc = COLLECT_NOMEM;
        } else {
            rc = COLLECT_REPEAT;
            if (!had_quote && quote) {
                c->quotes[i] = quote;
                quote = NULL;
            }
        }
        goto out;
    }
    if (n >= CS_INSIGHTS_MAX_ITEMS) {
        rc = COLLECT_FULL;
        goto out;
    }
    if (json_array_append(c->items, item) != 0) {
        rc = COLLECT_NOMEM;
        goto out;
    }
    c->titles[n] = title;
    c->quotes[n] = quote;
    title = quote = NULL;
out:
    free(title);
    free(quote);
    json_decref(item);
    return rc;
}

/* A list of strings without repeats (normalised) and with a cap. `keys` are owned. */
typedef struct {
    json_t *items;
    char *keys[CS_INSIGHTS_MAX_PAINS];
} phrases_t;

static void phrases_free(phrases_t *p)
{
    for (size_t i = 0; i < json_array_size(p->items); i++)
        free(p->keys[i]);
    json_decref(p->items);
    p->items = NULL;
}

/* Add `text` (clean, borrowed). Same return values as collect. */
static int phrases_add(phrases_t *p, const char *text)
{
    char *key = cs_insights_normalise(text);
    if (!key)
        return COLLECT_NOMEM;
    size_t n = json_array_size(p->items);
    int rc = COLLECT_ADDED;
    for (size_t i = 0; i < n && rc == COLLECT_ADDED; i++)
        if (strcmp(p->keys[i], key) == 0)
            rc = COLLECT_REPEAT;
    if (rc == COLLECT_ADDED && n >= CS_INSIGHTS_MAX_PAINS)
        rc = COLLECT_FULL;
    if (rc == COLLECT_ADDED && json_array_append_new(p->items, json_string(text)) != 0)
        rc = COLLECT_NOMEM;
    if (rc == COLLECT_ADDED)
        p->keys[n] = key;
    else
        free(key);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Parsing an answer                                                                          */

typedef struct {
    const json_t *themes;
    const char *default_theme;
    said_t said;
    cs_insights_stats_t *stats;
    bool nomem;
} parse_t;

/* Set obj[key] to a clean copy of `text` cut at max_chars; nothing when it cleans to "".
   Returns whether it was set. */
static bool put_clean(parse_t *p, json_t *obj, const char *key, const char *text, size_t max)
{
    char *clean = cs_insights_clean(text, max);
    bool set = false;
    if (!clean)
        p->nomem = true;
    else if (clean[0] && json_object_set_new(obj, key, json_string(clean)) != 0)
        p->nomem = true;
    else
        set = clean[0] != '\0';
    free(clean);
    return set;
}

static void put_str(parse_t *p, json_t *obj, const char *key, const char *value)
{
    if (json_object_set_new(obj, key, json_string(value)) != 0)
        p->nomem = true;
}

/* The urgency or severity: one of CS_URGENCY_LEVELS (letter case aside), else
   CS_URGENCY_DEFAULT. */
static void put_level(parse_t *p, json_t *out, const json_t *in, const char *key)
{
    int i = choice_index(CS_URGENCY_LEVELS, cs_rec_str(in, key));
    if (i < 0)
        p->stats->fields_fixed++;
    put_str(p, out, key, i < 0 ? CS_URGENCY_DEFAULT : CS_URGENCY_LEVELS[i]);
}

static void put_theme(parse_t *p, json_t *out, const json_t *in)
{
    const char *given = cs_rec_str(in, "theme");
    const char *theme = cs_insights_theme_name(p->themes, given);
    if (!theme) {
        theme = p->default_theme;
        if (theme || (given && given[0]))
            p->stats->themes_defaulted++;
    }
    if (theme)
        put_str(p, out, "theme", theme);
}

/* The quote when a customer said it, with its speaker; the model's speaker otherwise, when it
   names a customer speaker. */
static void put_quote(parse_t *p, json_t *out, const json_t *in, bool with_speaker)
{
    const char *quote = cs_rec_str(in, "quote");
    const char *speaker = NULL;
    bool found = false;
    char *clean = quote ? cs_insights_clean(quote, 0) : NULL;
    if (quote && !clean) {
        p->nomem = true;
        return;
    }
    if (clean && clean[0]) {
        int rc = said_find(&p->said, clean, &speaker);
        if (rc < 0)
            p->nomem = true;
        else if (rc == 0)
            p->stats->quotes_dropped++;
        else
            found = put_clean(p, out, "quote", clean, CS_INSIGHTS_MAX_QUOTE);
    }
    free(clean);
    if (!with_speaker)
        return;
    const char *given = cs_rec_str(in, "speaker");
    if (found && speaker) {
        if (given && same_name(given, speaker) != 1)
            p->stats->fields_fixed++;
        put_clean(p, out, "speaker", speaker, CS_INSIGHTS_MAX_PHRASE);
        return;
    }
    if (!given || !given[0])
        return;
    for (size_t i = 0; i < p->said.name_count; i++) {
        if (same_name(given, p->said.names[i]) == 1) {
            put_clean(p, out, "speaker", p->said.names[i], CS_INSIGHTS_MAX_PHRASE);
            return;
        }
    }
    p->stats->fields_fixed++;
}

/* A clean feature request or bug report made from `in`, or NULL when it has no title (or out
   of memory: p->nomem). */
static json_t *clean_item(parse_t *p, const json_t *in, bool feature)
{
    const char *title = cs_rec_str(in, "title");
    if (!title)
        return NULL;
    json_t *out = json_object();
    if (!out) {
        p->nomem = true;
        return NULL;
    }
    if (!put_clean(p, out, "title", title, CS_INSIGHTS_MAX_TITLE)) {
        json_decref(out);
        return NULL;
    }
    const json_t *description = json_object_get(in, "description");
    if (json_is_string(description))
        put_clean(p, out, "description", json_string_value(description), CS_INSIGHTS_MAX_TEXT);
    else if (description && !json_is_null(description))
        p->stats->fields_fixed++;
    put_level(p, out, in, feature ? "urgency" : "severity");
    if (feature)
        put_theme(p, out, in);
    put_quote(p, out, in, feature);
    if (p->nomem) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static int parse_items(parse_t *p, const json_t *in, bool feature, json_t **out)
{
    collector_t c = {.items = json_array(), .level = feature ? "urgency" : "severity"};
    if (!c.items)
        return -1;
    for (size_t i = 0; i < json_array_size(in); i++) {
        if (json_array_size(c.items) >= CS_INSIGHTS_MAX_ITEMS) {
            p->stats->items_dropped += (int)(json_array_size(in) - i);
            break;
        }
        json_t *item = clean_item(p, json_array_get(in, i), feature);
        if (p->nomem)
            break;
        if (!item) {
            p->stats->items_dropped++;
            continue;
        }
        int rc = collect(&c, item);
        if (rc == COLLECT_NOMEM)
            p->nomem = true;
        else if (rc != COLLECT_ADDED)
            p->stats->items_dropped++;
    }
    if (p->nomem) {
        collector_free(&c);
        return -1;
    }
    *out = json_incref(c.items);
    collector_free(&c);
    return 0;
}

static json_t *parse_sentiment(parse_t *p, const json_t *in)
{
    json_t *out = json_object();
    if (!out) {
        p->nomem = true;
        return NULL;
    }
    const json_t *score = json_object_get(in, "score");
    int overall = choice_index(OVERALLS, cs_rec_str(in, "overall"));
    double value = 0;
    if (json_is_number(score)) {
        value = json_number_value(score);
        if (value > 1 || value < -1) {
            value = value > 1 ? 1 : -1;
            p->stats->fields_fixed++;
        }
    } else if (score && !json_is_null(score)) {
        p->stats->fields_fixed++;
    }
    if (overall >= 0)
        put_str(p, out, "overall", OVERALLS[overall]);
    else if (json_is_number(score))
        put_str(p, out, "overall", cs_insights_overall(value));
    const json_t *given = json_object_get(in, "overall");
    if (overall < 0 && given && !json_is_null(given))
        p->stats->fields_fixed++;
    if (json_is_number(score) && json_object_set_new(out, "score", json_real(value)) != 0)
        p->nomem = true;
    if (p->nomem || json_object_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static json_t *parse_pains(parse_t *p, const json_t *in)
{
    phrases_t pains = {.items = json_array()};
    if (!pains.items) {
        p->nomem = true;
        return NULL;
    }
    for (size_t i = 0; i < json_array_size(in) && !p->nomem; i++) {
        const char *text = json_string_value(json_array_get(in, i));
        char *clean = text ? cs_insights_clean(text, CS_INSIGHTS_MAX_PHRASE) : NULL;
        if (text && !clean)
            p->nomem = true;
        int rc = clean && clean[0] ? phrases_add(&pains, clean) : COLLECT_REPEAT;
        if (rc == COLLECT_NOMEM)
            p->nomem = true;
        else if (rc != COLLECT_ADDED)
            p->stats->items_dropped++;
        free(clean);
    }
    json_t *out = p->nomem ? NULL : json_incref(pains.items);
    phrases_free(&pains);
    return out;
}

/* The object between the first '{' and the last '}' of text, or NULL. */
static json_t *outermost_object(const char *text, size_t len)
{
    const char *open = memchr(text, '{', len), *close = text + len;
    while (close > text && close[-1] != '}')
        close--;
    if (!open || close <= open + 1)
        return NULL;
    return json_loadb(open, (size_t)(close - open), 0, NULL);
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    default:
        return "null";
    }
}

/* Check the answer's top level. The optional members may be absent or null. */
static int check_shape(const json_t *answer, char *err, size_t errlen)
{
    static const struct {
        const char *key;
        json_type type;
        bool required;
    } SHAPE[] = {
        {"feature_requests", JSON_ARRAY, true}, {"bug_reports", JSON_ARRAY, false},
        {"sentiment", JSON_OBJECT, false},      {"pain_points", JSON_ARRAY, false},
        {"summary", JSON_STRING, false},
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(SHAPE); i++) {
        const json_t *v = json_object_get(answer, SHAPE[i].key);
        if (!v || json_is_null(v)) {
            if (SHAPE[i].required)
                return cs_fail(err, errlen, "answer.%s: missing", SHAPE[i].key);
            continue;
        }
        if (json_typeof(v) != SHAPE[i].type)
            return cs_fail(err, errlen, "answer.%s: expected %s, got %s", SHAPE[i].key,
                           SHAPE[i].type == JSON_ARRAY    ? "array"
                           : SHAPE[i].type == JSON_OBJECT ? "object"
                                                          : "string",
                           type_name(v));
    }
    return 0;
}

static int build(parse_t *p, const json_t *answer, json_t *out)
{
    json_t *v = NULL;
    if (parse_items(p, json_object_get(answer, "feature_requests"), true, &v) != 0 ||
        json_object_set_new(out, "feature_requests", v) != 0)
        return -1;
    if (parse_items(p, json_object_get(answer, "bug_reports"), false, &v) != 0 ||
        json_object_set_new(out, "bug_reports", v) != 0)
        return -1;
    const json_t *sentiment = json_object_get(answer, "sentiment");
    if (json_is_object(sentiment)) {
        v = parse_sentiment(p, sentiment);
        if (p->nomem || (v && json_object_set_new(out, "sentiment", v) != 0))
            return -1;
    }
    v = parse_pains(p, json_object_get(answer, "pain_points"));
    if (!v || json_object_set_new(out, "pain_points", v) != 0)
        return -1;
    const char *summary = cs_rec_str(answer, "summary");
    if (summary)
        put_clean(p, out, "summary", summary, CS_INSIGHTS_MAX_TEXT);
    return p->nomem ? -1 : 0;
}

int cs_insights_parse(const char *answer, const cs_insights_ctx_t *ctx, json_t **out,
                      cs_insights_stats_t *stats, char *err, size_t errlen)
{
    cs_insights_stats_t scratch;
    if (!stats)
        stats = &scratch;
    memset(stats, 0, sizeof *stats);
    *out = NULL;
    if (!answer)
        return cs_fail(err, errlen, "answer is empty");
    size_t size = strnlen(answer, CS_INSIGHTS_MAX_ANSWER + 1);
    if (size > CS_INSIGHTS_MAX_ANSWER)
        return cs_fail(err, errlen, "answer is too large (over %u bytes)", CS_INSIGHTS_MAX_ANSWER);
    size_t len;
    const char *text = cs_llm_unfence(answer, &len);
    if (len == 0)
        return cs_fail(err, errlen, "answer is empty");
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_DECODE_ANY, &jerr);
    if (!doc) /* some endpoints put words around the object: try its outermost braces */
        doc = outermost_object(text, len);
    if (!doc)
        return cs_fail(err, errlen, "answer is not JSON: %s (line %d, column %d)", jerr.text,
                       jerr.line, jerr.column);
    if (!json_is_object(doc)) {
        cs_fail(err, errlen, "answer is not a JSON object (got %s)", type_name(doc));
        json_decref(doc);
        return -1;
    }
    if (check_shape(doc, err, errlen) != 0) {
        json_decref(doc);
        return -1;
    }
    parse_t p = {
        .themes = ctx ? ctx->themes : NULL,
        .default_theme = cs_insights_default_theme(ctx ? ctx->themes : NULL),
        .stats = stats,
    };
    json_t *insights = json_object();
    int rc = insights && said_build(&p.said, ctx ? ctx->transcript : NULL) == 0 ? 0 : -1;
    if (rc == 0)
        rc = build(&p, doc, insights);
    said_free(&p.said);
    json_decref(doc);
    if (rc != 0) {
        json_decref(insights);
        return cs_fail(err, errlen, "out of memory");
    }
    *out = insights;
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Merging the chunks of one call                                                             */

typedef struct {
    double sum, min, max;
    int scores;
    int overall_seen[4]; /* per OVERALLS */
} mood_t;

static void mood_add(mood_t *m, const json_t *sentiment)
{
    const json_t *score = json_object_get(sentiment, "score");
    if (json_is_number(score)) {
        double v = json_number_value(score);
        v = v > 1 ? 1 : v < -1 ? -1 : v;
        m->min = m->scores == 0 || v < m->min ? v : m->min;
        m->max = m->scores == 0 || v > m->max ? v : m->max;
        m->sum += v;
        m->scores++;
    }
    int i = choice_index(OVERALLS, cs_rec_str(sentiment, "overall"));
    if (i >= 0)
        m->overall_seen[i]++;
}

static bool mood_known(const mood_t *m)
{
    for (int i = 0; i < 4; i++)
        if (m->overall_seen[i])
            return true;
    return m->scores > 0;
}

/* The merged sentiment, NULL when no chunk had one (or out of memory). */
static json_t *mood_result(const mood_t *m)
{
    int kinds = 0, last = -1;
    for (int i = 0; i < 4; i++)
        if (m->overall_seen[i]) {
            kinds++;
            last = i;
        }
    if (m->scores == 0 && kinds == 0)
        return NULL;
    bool opposed = (m->overall_seen[0] && m->overall_seen[2]) ||
                   (m->scores > 1 && (m->max - m->min >= CS_INSIGHTS_MIXED_SPREAD ||
                                      (m->max > 0.25 && m->min < -0.25)));
    double mean = m->scores ? m->sum / m->scores : 0;
    const char *overall;
    if (opposed)
        overall = "mixed";
    else if (kinds == 1)
        overall = OVERALLS[last];
    else if (m->scores)
        overall = cs_insights_overall(mean);
    else
        overall = "mixed";
    json_t *out = json_pack("{s:s}", "overall", overall);
    if (out && m->scores && json_object_set_new(out, "score", json_real(mean)) != 0) {
        json_decref(out);
        out = NULL;
    }
    return out;
}

static int merge_items(collector_t *c, const json_t *items)
{
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *item = json_array_get(items, i);
        if (!cs_rec_str(item, "title"))
            continue;
        json_t *copy = json_deep_copy(item);
        if (!copy || collect(c, copy) == COLLECT_NOMEM)
            return -1;
    }
    return 0;
}

json_t *cs_insights_merge(const json_t *parts)
{
    if (!json_is_array(parts))
        return NULL;
    collector_t features = {.items = json_array(), .level = "urgency"};
    collector_t bugs = {.items = json_array(), .level = "severity"};
    phrases_t pains = {.items = json_array()};
    mood_t mood = {0};
    cs_buf_t summary = {0};
    json_t *out = json_object();
    int rc = out && features.items && bugs.items && pains.items ? 0 : -1;
    for (size_t i = 0; i < json_array_size(parts) && rc == 0; i++) {
        const json_t *part = json_array_get(parts, i);
        if (!json_is_object(part))
            continue;
        if (merge_items(&features, json_object_get(part, "feature_requests")) != 0 ||
            merge_items(&bugs, json_object_get(part, "bug_reports")) != 0)
            rc = -1;
        mood_add(&mood, json_object_get(part, "sentiment"));
        const json_t *list = json_object_get(part, "pain_points");
        for (size_t k = 0; k < json_array_size(list) && rc == 0; k++) {
            const char *text = json_string_value(json_array_get(list, k));
            if (text && text[0] && phrases_add(&pains, text) == COLLECT_NOMEM)
                rc = -1;
        }
        const char *text = cs_rec_str(part, "summary");
        if (text && text[0]) {
            if (summary.len > 0)
                cs_buf_add(&summary, " ", 1);
            if (summary.len <= 4 * CS_INSIGHTS_MAX_TEXT) /* enough for the cut below */
                cs_buf_add(&summary, text, strlen(text));
        }
    }
    char *joined = cs_buf_take(&summary);
    char *cut = joined ? cs_insights_clean(joined, CS_INSIGHTS_MAX_TEXT) : NULL;
    json_t *sentiment = mood_result(&mood);
    if (!cut || (mood_known(&mood) && !sentiment))
        rc = -1;
    if (rc == 0)
        rc |= json_object_set(out, "feature_requests", features.items);
    if (rc == 0)
        rc |= json_object_set(out, "bug_reports", bugs.items);
    if (rc == 0 && sentiment)
        rc |= json_object_set(out, "sentiment", sentiment);
    if (rc == 0)
        rc |= json_object_set(out, "pain_points", pains.items);
    if (rc == 0 && cut[0])
        rc |= json_object_set_new(out, "summary", json_string(cut));
    free(joined);
    free(cut);
    json_decref(sentiment);
    collector_free(&features);
    collector_free(&bugs);
    phrases_free(&pains);
    if (rc != 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}
