/*  The "offline" provider's extraction: the built-in extractor (cs_offline), at once, with no
    tokens spent. */
#include <stdlib.h>

#include "cs_extract_ops.h"
#include "cs_offline.h"
#include "cs_record.h"

static void *s_open(const cs_extract_opts_t *opts, cs_provider_t *provider,
                    cs_extract_totals_t *totals, char *err, size_t errlen)
{
    (void)opts;
    (void)provider;
    (void)totals;
    return cs_offline_new(err, errlen);
}

static void s_close(void *state)
{
    cs_offline_t *offline = state;
    cs_offline_destroy(&offline);
}

static int s_extract(void *state, const json_t *call, const json_t *themes, cs_extract_answer_fn fn,
                     void *job)
{
    cs_extract_answer_t a = {
        .insights = cs_offline_extract(state, call, themes),
        .model = CS_PROVIDER_LOCAL,
        .requests = 1,
    };
    if (!a.insights) {
        a.error = "the offline extractor failed";
        a.cause = CS_CAUSE_OTHER;
    }
    fn(job, &a);
    json_decref(a.insights); /* NULL unless the callback left it */
    return 0;
}

const cs_extract_ops_t cs_extract_offline_ops = {
    .name = CS_PROVIDER_LOCAL,
    .open = s_open,
    .close = s_close,
    .extract = s_extract,
};
