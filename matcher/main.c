/*  callsift-matcher: PULLs extraction records, decides for every extracted feature request
    whether it is a feature of the catalogue or a new one (cs_match), PUSHes decision records to
    the writer. It binds both of its endpoints; extractors and the writer connect. Run one per
    set of workspaces (DESIGN.md section 1): it is the one place that decides.

    `--jsonl` is the one-shot mode, the seed's find_matching_feature: each stdin line
    {"new": {"title", "description"}, "existing": [{"id", "name", "description"}]} gives one
    stdout line {"is_duplicate", "matching_feature_id", "confidence", "reasoning", "method",
    "tokens_used", "candidates"} (or {"error"}), in input order; candidates are the top-k
    [{"id", "name", "similarity"}] the decision looked at. */
#include <stdio.h>
#include <string.h>

#include "cs_config.h"
#include "cs_curve.h"
#include "cs_log.h"
#include "cs_metrics.h"
#include "cs_provider.h"
#include "cs_match.h"
#include "cs_match_config.h"
#include "cs_match_stage.h"
#include "cs_sock.h"
#include "cs_stage.h"
#include "cs_util.h"

static const cs_option_t OPTIONS[] = {
    CS_PROVIDER_OPTIONS_ENDPOINT(
        "the judge: openai, offline (similarity only), or auto (openai when OPENAI_API_KEY is set)",
        "judge model"),
    {"vectors", "CALLSIFT_VECTORS", CS_OPT_STRING, "auto",
     "openai (the embeddings endpoint), offline (hashed n-gram TF-IDF), or auto (openai when the "
     "judge is)",
     0},
    {"embedding-model", "EMBEDDING_MODEL", CS_OPT_STRING, "text-embedding-3-small",
     "embeddings model", 0},
    {"embedding-dimensions", "CALLSIFT_EMBEDDING_DIMENSIONS", CS_OPT_INT, "0",
     "dimensions asked of the embeddings model (0: its own)", 0},
    {"link-above", "CALLSIFT_LINK_ABOVE", CS_OPT_DOUBLE, NULL,
     "fused score at or above which a request links without the judge (default 0.85 with "
     "provider vectors, 0.55 offline)",
     CS_OPT_UNIT},
    {"new-below", "CALLSIFT_NEW_BELOW", CS_OPT_DOUBLE, NULL,
     "fused score below which a request is a new feature without the judge (default 0.50 with "
     "provider vectors, 0.45 offline)",
     CS_OPT_UNIT},
    {"match-confidence", "FEATURE_MATCH_CONFIDENCE", CS_OPT_DOUBLE, "0.7",
     "the judge links only at this confidence or above", CS_OPT_UNIT},
    {"judge-margin", "CALLSIFT_JUDGE_MARGIN", CS_OPT_DOUBLE, "0.2",
     "the judge links only when its confidence exceeds its runner-up's by this much or more",
     CS_OPT_UNIT},
    {"candidates", "CALLSIFT_CANDIDATES", CS_OPT_INT, "5", "features the judge sees (top k)",
     CS_OPT_POSITIVE},
    {"same-theme", "CALLSIFT_SAME_THEME", CS_OPT_FLAG, "false",
     "compare only with the features of the request's own theme (by default every theme: the "
     "same request filed under two themes is one feature, which keeps its first theme)",
     0},
    {"cross-theme", "CALLSIFT_CROSS_THEME", CS_OPT_FLAG, "false",
     "compare with the features of every theme (the default; kept for older configurations)", 0},
    {"band-margin", "CALLSIFT_BAND_MARGIN", CS_OPT_DOUBLE, "0.15",
     "without a judge, a request in the band links to its first candidate only when that one's "
     "score leads the runner-up's by this much",
     CS_OPT_UNIT},
    {"merge-above", "CALLSIFT_MERGE_ABOVE", CS_OPT_DOUBLE, NULL,
     "after a link, the linked feature and another one this alike (fused score) merge: chains "
     "of duplicates collapse (default: --link-above)",
     CS_OPT_UNIT},
    {"no-collapse", "CALLSIFT_NO_COLLAPSE", CS_OPT_FLAG, "false",
     "never merge existing features after a link", 0},
    CS_PROVIDER_OPTION_CONCURRENCY,
    CS_PROVIDER_OPTIONS_REQUESTS("judge answers asked per decision when one is invalid", "60",
                                 "ends it at once"),
    CS_PROVIDER_OPTIONS_PRICES("judge "),
    {"price-embedding", "CALLSIFT_PRICE_EMBEDDING", CS_OPT_DOUBLE, NULL,
     "USD per million embedded tokens", 0},
    {"jsonl", NULL, CS_OPT_FLAG, "false",
     "one-shot mode: {new, existing} JSON lines on stdin, verdicts on stdout", 0},
    {"database-url", "DATABASE_URL", CS_OPT_STRING, NULL,
     "PostgreSQL URL (read only: themes and the feature catalogue)", CS_OPT_SECRET},
    CS_SOCK_OPTION_EXTRACTIONS,
    CS_SOCK_OPTION_DECISIONS,
    CS_CURVE_OPTIONS,
    CS_METRICS_OPTION,
    CS_METRICS_OPTION_LISTEN,
    CS_STAGE_OPTION_HOLD,
    {NULL, NULL, 0, NULL, NULL, 0},
};

/* ---- configuration ---------------------------------------------------------------------- */

static bool s_configure(const cs_config_t *cfg, cs_match_opts_t *o, char *err, size_t errlen)
{
    if (cs_match_configure(cfg, o, err, errlen) != 0)
        return false;
    if (cs_config_str(cfg, "link-above"))
        o->link_above = cs_config_double(cfg, "link-above");
    if (cs_config_str(cfg, "new-below"))
        o->new_below = cs_config_double(cfg, "new-below");
    o->threshold = cs_config_double(cfg, "match-confidence");
    o->judge_margin = cs_config_double(cfg, "judge-margin");
    o->candidates = (int)cs_config_int(cfg, "candidates");
    o->cross_theme = !cs_config_flag(cfg, "same-theme");
    o->band_margin = cs_config_double(cfg, "band-margin");
    if (cs_config_str(cfg, "merge-above"))
        o->merge_above = cs_config_double(cfg, "merge-above");
    if (cs_config_flag(cfg, "no-collapse"))
        o->merge_above = 2; /* never */
    if (!(o->new_below >= 0 && o->new_below <= o->link_above && o->link_above <= 1)) {
        cs_fail(err, errlen, "expected 0 <= --new-below (%.2f) <= --link-above (%.2f) <= 1",
                o->new_below, o->link_above);
        return false;
    }
    if (!(o->threshold >= 0 && o->threshold <= 1)) {
        cs_fail(err, errlen, "FEATURE_MATCH_CONFIDENCE must be from 0 to 1");
        return false;
    }
    if (o->candidates < 1 || o->candidates > 50) {
        cs_fail(err, errlen, "--candidates must be from 1 to 50");
        return false;
    }
    cs_match_log_setup(cfg, o);
    return true;
}

int main(int argc, char **argv)
{
    int status = 1;
    cs_config_t *cfg = cs_stage_begin(
        "matcher", "callsift-matcher [OPTIONS]",
        "Decides for every extracted feature request whether it is a feature already in the "
        "catalogue (link) or a new one (create): exact names, vector similarity, and an LLM judge "
        "for the ambiguous band.",
        OPTIONS, CS_CURVE_BINDS, NULL, argc, argv, &status);
    if (!cfg)
        return status;
    char err[1024];
    cs_match_t *m = NULL;
    cs_match_stage_t st = {.cfg = cfg};
    cs_match_opts_t opts = {0};
    bool oneshot = cs_config_flag(cfg, "jsonl");
    if (!s_configure(cfg, &opts, err, sizeof err)) {
        fprintf(stderr, "callsift-matcher: %s\n", err);
        status = 2;
        goto done;
    }
    opts.quiet = oneshot;
    st.m = m = cs_match_new(&opts, oneshot ? cs_match_stage_keep : cs_match_stage_push, &st);
    if (!m)
        cs_error("out of memory");
    else if (oneshot)
        status = cs_match_stage_oneshot(&st, stdin, stdout);
    else
        status = cs_match_stage_daemon(&st);
done:
    cs_match_unconfigure(&opts); /* first: no callback may run into a freed engine */
    cs_match_destroy(&m);
    cs_match_stage_clear(&st);
    cs_stage_end(&cfg);
    return status;
}
