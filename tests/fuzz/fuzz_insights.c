/*  Fuzz target: an LLM's extraction answer (the message content) into insights, through
    cs_insights_parse, against a fixed call (cs_fuzz_transcript) and the workspace's themes.

    The input is the answer text. An input of odd length is judged against themes without a
    default theme, so both of the parser's theme paths are taken.

    Invariants: a refused answer says why; accepted insights, as the extractor passes them on,
    make a valid extraction record that encodes; merging them (as the chunks of a long call
    are merged) keeps that true. The text helpers of the same module run on the raw input too:
    cs_insights_normalise and cs_insights_clean return valid UTF-8 no longer than the cap. */
#include <stdlib.h>
#include <string.h>

#include "cs_fuzz.h"
#include "cs_insights.h"
#include "cs_record.h"

static json_t *s_themes[2]; /* [0] without a default theme, [1] with one */
static json_t *s_transcript;
static json_t *s_call;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    cs_fuzz_quiet();
    s_themes[0] = cs_fuzz_themes(0);
    s_themes[1] = cs_fuzz_themes(1);
    s_transcript = cs_fuzz_transcript();
    s_call = cs_fuzz_call_record();
    if (!s_themes[0] || !s_themes[1] || !s_transcript || !s_call)
        cs_fuzz_fail("fixtures");
    return 0;
}

/* `insights` as the extractor sends them: the call record, kind extraction, plus insights. */
static void check_extraction(json_t *insights, const char *what)
{
    char err[512];
    json_t *rec = json_deep_copy(s_call);
    json_object_set_new(rec, "kind", json_string("extraction"));
    json_object_set(rec, "insights", insights);
    if (cs_record_validate(rec, err, sizeof err) != 0)
        cs_fuzz_fail("%s make an invalid extraction record: %s", what, err);
    char *buf = NULL;
    size_t len = 0;
    if (cs_record_encode(rec, &buf, &len, err, sizeof err) != 0)
        cs_fuzz_fail("%s do not encode: %s", what, err);
    free(buf);
    json_decref(rec);
}

static void check_text(char *s, size_t max_chars, const char *what)
{
    if (!s)
        cs_fuzz_fail("%s returned NULL", what);
    json_t *v = json_string(s); /* NULL for invalid UTF-8 */
    if (!v)
        cs_fuzz_fail("%s returned invalid UTF-8", what);
    if (max_chars && json_string_length(v) > 4 * max_chars)
        cs_fuzz_fail("%s returned more than %zu characters", what, max_chars);
    json_decref(v);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *answer = malloc(size + 1);
    if (!answer)
        return 0;
    memcpy(answer, data, size);
    answer[size] = '\0';

    cs_insights_ctx_t ctx = {.themes = s_themes[size % 2 == 0], .transcript = s_transcript};
    cs_insights_stats_t stats = {0};
    json_t *insights = NULL;
    char err[512];
    err[0] = '\0';
    if (cs_insights_parse(answer, &ctx, &insights, &stats, err, sizeof err) != 0) {
        if (insights || !err[0])
            cs_fuzz_fail("a refused answer left insights or no reason");
    } else {
        if (!json_is_object(insights))
            cs_fuzz_fail("accepted insights are not an object");
        if (stats.quotes_dropped < 0 || stats.themes_defaulted < 0 || stats.items_dropped < 0 ||
            stats.fields_fixed < 0)
            cs_fuzz_fail("negative repair counts");
        check_extraction(insights, "parsed insights");
        json_t *parts = json_pack("[O, O]", insights, insights);
        json_t *merged = cs_insights_merge(parts);
        if (!merged)
            cs_fuzz_fail("merge returned NULL");
        check_extraction(merged, "merged insights");
        json_decref(merged);
        json_decref(parts);
        json_decref(insights);
    }

    check_text(cs_insights_normalise(answer), 0, "cs_insights_normalise");
    check_text(cs_insights_clean(answer, 40), 40, "cs_insights_clean");
    free(answer);
    return 0;
}
