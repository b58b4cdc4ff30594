/*  cs_insights_collect: one item per request, a cap on their number (see
    cs_insights_collect.h). */
#include "cs_insights_collect.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cs_insights_text.h"
#include "cs_record.h"

void cs_insights_collector_free(cs_insights_collector_t *c)
{
    for (size_t i = 0; i < json_array_size(c->items); i++) {
        free(c->titles[i]);
        free(c->quotes[i]);
    }
    json_decref(c->items);
    c->items = NULL;
}

static int s_level_rank(const char *level)
{
    return cs_insights_choice(CS_URGENCY_LEVELS, level);
}

static bool s_same_key(const char *a, const char *b)
{
    return a && b && a[0] && strcmp(a, b) == 0;
}

/* Fold `item` into the earlier item `kept`: the higher level, and what `kept` lacks. */
static int s_fold_into(json_t *kept, const json_t *item, const char *level)
{
    int rc = 0;
    const char *mine = cs_rec_str(kept, level), *theirs = cs_rec_str(item, level);
    if (theirs && s_level_rank(theirs) > s_level_rank(mine))
        rc |= json_object_set_new(kept, level, json_string(theirs));
    if (!cs_rec_str(kept, "quote") && cs_rec_str(item, "quote")) {
        rc |= json_object_set(kept, "quote", json_object_get(item, "quote"));
        json_object_del(kept, "speaker");
        json_object_del(kept, "context");
        if (cs_rec_str(item, "speaker"))
            rc |= json_object_set(kept, "speaker", json_object_get(item, "speaker"));
        if (cs_rec_str(item, "context"))
            rc |= json_object_set(kept, "context", json_object_get(item, "context"));
    }
    const json_t *confidence = json_object_get(item, "confidence");
    const json_t *had = json_object_get(kept, "confidence");
    if (json_is_number(confidence) &&
        (!json_is_number(had) || json_number_value(confidence) > json_number_value(had)))
        rc |= json_object_set(kept, "confidence", (json_t *)confidence);
    if (!cs_rec_str(kept, "description") && cs_rec_str(item, "description"))
        rc |= json_object_set(kept, "description", json_object_get(item, "description"));
    return rc ? -1 : 0;
}

int cs_insights_collect(cs_insights_collector_t *c, json_t *item)
{
    char *title = cs_insights_normalise(cs_rec_str(item, "title"));
    char *quote =
        cs_rec_str(item, "quote") ? cs_insights_normalise(cs_rec_str(item, "quote")) : NULL;
    int rc = CS_INSIGHTS_ADDED;
    if (!title || (cs_rec_str(item, "quote") && !quote)) {
        rc = CS_INSIGHTS_NOMEM;
        goto out;
    }
    size_t n = json_array_size(c->items);
    for (size_t i = 0; i < n; i++) {
        if (!s_same_key(c->titles[i], title) && !s_same_key(c->quotes[i], quote))
            continue;
        json_t *kept = json_array_get(c->items, i);
        bool had_quote = cs_rec_str(kept, "quote") != NULL;
        if (s_fold_into(kept, item, c->level) != 0) {
            rc = CS_INSIGHTS_NOMEM;
        } else {
            rc = CS_INSIGHTS_REPEAT;
            if (!had_quote && quote) {
                c->quotes[i] = quote;
                quote = NULL;
            }
        }
        goto out;
    }
    if (n >= CS_INSIGHTS_MAX_ITEMS) {
        rc = CS_INSIGHTS_FULL;
        goto out;
    }
    if (json_array_append(c->items, item) != 0) {
        rc = CS_INSIGHTS_NOMEM;
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

void cs_insights_phrases_free(cs_insights_phrases_t *p)
{
    for (size_t i = 0; i < json_array_size(p->items); i++)
        free(p->keys[i]);
    json_decref(p->items);
    p->items = NULL;
}

int cs_insights_phrases_add(cs_insights_phrases_t *p, const char *text)
{
    char *key = cs_insights_normalise(text);
    if (!key)
        return CS_INSIGHTS_NOMEM;
    size_t n = json_array_size(p->items);
    int rc = CS_INSIGHTS_ADDED;
    for (size_t i = 0; i < n && rc == CS_INSIGHTS_ADDED; i++)
        if (strcmp(p->keys[i], key) == 0)
            rc = CS_INSIGHTS_REPEAT;
    if (rc == CS_INSIGHTS_ADDED && n >= CS_INSIGHTS_MAX_PAINS)
        rc = CS_INSIGHTS_FULL;
    if (rc == CS_INSIGHTS_ADDED && json_array_append_new(p->items, json_string(text)) != 0)
        rc = CS_INSIGHTS_NOMEM;
    if (rc == CS_INSIGHTS_ADDED)
        p->keys[n] = key;
    else
        free(key);
    return rc;
}
