/* cs_offline_theme: picking a request's theme by similarity to each theme's name and
   description. The figures: accuracy on the request sentences of samples/truth.json with the
   demo workspace's themes (the development set the floor and the vocabulary were chosen on),
   and on tests/data/themes_heldout.json (four other workspaces, never tuned on). Both are
   printed to stderr ("theme accuracy ...") and held to a minimum. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_offline.h"
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

/* Is sentence filed under `want` with these themes? With `show`, misses go to stderr with
   the best similarity (the held-out set's are not shown: nobody tunes on them). */
static int s_hit(const json_t *themes, const char *sentence, const char *want, bool show)
{
    cs_offline_themes_t th;
    cr_assert_eq(cs_offline_themes_load(themes, &th), 0);
    const char *got = cs_offline_themes_pick(&th, sentence, strlen(sentence), NULL);
    int hit = strcmp(got, want) == 0;
    if (!hit && show) {
        double sim[16] = {0}, best = 0;
        cr_assert_leq(th.count, 16);
        cr_assert_eq(cs_offline_themes_similarity(&th, sentence, strlen(sentence), NULL, sim), 0);
        for (size_t i = 0; i < th.count; i++)
            best = sim[i] > best ? sim[i] : best;
        fprintf(stderr, "  miss: want %-24s got %-24s (%.3f) %s\n", want, got, best, sentence);
    }
    cs_offline_themes_free(&th);
    return hit;
}

/* Requests that fit none of the demo themes: the development set's negatives, which the floor
   is chosen on together with the truth's requests. */
static const char *const s_dev_unthemed[] = {
    "It would be great to have keyboard shortcuts in the editor.",
    "We'd love a dark mode, half the team works at night.",
    "Could the font in the reply box be bigger? My agents keep squinting.",
    "The spell checker should know medical terms, our agents write about prescriptions all day.",
    "We get scans of forty megabytes from patients, so bigger attachments would really help.",
    "It'd be nice if the sidebar could be collapsed on small laptop screens.",
    "Please let us put our own logo and colours on the customer-facing portal.",
    "We really want a printable version of each ticket for our paper archive.",
    "Our customers keep asking for a phone number they can call, so voice would be a big one.",
    "If the whole thing loaded faster in the morning that would make my agents happier.",
};

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
            hits += s_hit(themes, cs_rec_str(r, "sentence"), theme, true);
            total++;
        }
    }
    for (size_t i = 0; i < sizeof s_dev_unthemed / sizeof s_dev_unthemed[0]; i++) {
        hits += s_hit(themes, s_dev_unthemed[i], "Uncategorized", true);
        total++;
    }
    cr_assert_gt(total, 40);
    json_decref(themes);
    json_decref(truth);
    fprintf(stderr,
            "theme accuracy, development (samples/truth.json and %zu unthemed): %d/%d = %.2f\n",
            sizeof s_dev_unthemed / sizeof s_dev_unthemed[0], hits, total, (double)hits / total);
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
            hits += s_hit(themes, cs_rec_str(r, "sentence"), cs_rec_str(r, "theme"), false);
            total++;
        }
    }
    cr_assert_geq(total, 30);
    json_decref(data);
    fprintf(stderr, "theme accuracy, held out (tests/data/themes_heldout.json): %d/%d = %.2f\n",
            hits, total, (double)hits / total);
    return (double)hits / total;
}

/* The figures docs/QUALITY.md reports: word overlap scored 0.76 on the truth's first 46
   requests alone and 0.53 held out; similarity 0.80 on the 69 requests of the larger sample
   (plus 10 unthemed). The floors sit a little under the measured figures. */
Test(offline_theme, development_accuracy)
{
    double acc = s_dev_accuracy();
    cr_assert_geq(acc, 0.75, "development accuracy %.2f", acc);
}

Test(offline_theme, heldout_accuracy)
{
    double acc = s_heldout_accuracy();
    cr_assert_geq(acc, 0.55, "held-out accuracy %.2f", acc);
}

/* The development set through the whole offline extractor, each sentence a call of its own
   said by the customer: the theme of the request it finds, with the title it makes (sentences
   it takes for no request, or for several, are not counted). */
Test(offline_theme, development_accuracy_through_the_extractor)
{
    char err[256] = "";
    cs_offline_t *offline = cs_offline_new(err, sizeof err);
    cr_assert_not_null(offline, "%s", err);
    json_t *truth = s_load("samples/truth.json");
    json_t *themes = s_demo_themes();
    const json_t *canon = json_object_get(truth, "requests");
    const char *id;
    json_t *c;
    int hits = 0, total = 0;
    json_object_foreach(json_object_get(truth, "calls"), id, c)
    {
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(c, "requests"), i, r)
        {
            json_t *call =
                json_pack("{s:s, s:[{s:s, s:s, s:s, s:i, s:s}]}", "external_id", id, "transcript",
                          "speaker_id", "c1", "speaker", "Dana Lee", "affiliation", "External",
                          "start_ms", 0, "text", cs_rec_str(r, "sentence"));
            json_t *ins = cs_offline_extract(offline, call, themes);
            cr_assert_not_null(ins);
            json_t *found = json_object_get(ins, "feature_requests");
            if (json_array_size(found) == 1) {
                const char *want =
                    cs_rec_str(json_object_get(canon, cs_rec_str(r, "key")), "theme");
                const char *got = cs_rec_str(json_array_get(found, 0), "theme");
                hits += strcmp(got, want) == 0;
                total++;
            }
            json_decref(ins);
            json_decref(call);
        }
    }
    fprintf(stderr,
            "theme accuracy, development through cs_offline_extract (sentence and "
            "title): %d/%d = %.2f\n",
            hits, total, (double)hits / total);
    cr_assert_gt(total, 20);
    cr_assert_geq((double)hits / total, 0.78); /* measured 0.82 */
    json_decref(themes);
    json_decref(truth);
    cs_offline_destroy(&offline);
}

/* themes: pairs of name and description; the last is the default. */
static const char *s_pick(const char *const *themes, size_t n, const char *sentence,
                          const char *title, json_t **keep)
{
    json_t *arr = json_array();
    for (size_t i = 0; i + 1 < n; i += 2)
        json_array_append_new(
            arr, json_pack("{s:s, s:s}", "name", themes[i], "description", themes[i + 1]));
    json_array_append_new(arr, json_pack("{s:s, s:b}", "name", "Uncategorized", "is_default", 1));
    cs_offline_themes_t th;
    cr_assert_eq(cs_offline_themes_load(arr, &th), 0);
    const char *got = cs_offline_themes_pick(&th, sentence, strlen(sentence), title);
    cs_offline_themes_free(&th);
    *keep = arr; /* the name is borrowed from it */
    return got;
}

static const char *const s_saas[] = {
    "Languages and Localisation",
    "Translations of the product and multilingual support",
    "Integrations",
    "CRM, Slack and webhooks",
    "Security and Admin",
    "SSO, roles, audit logs",
    "Reporting",
    "Dashboards and exports",
    "Mobile",
    "Our phone apps",
};

Test(offline_theme, a_language_request_finds_the_localisation_theme)
{
    json_t *keep;
    cr_assert_str_eq(s_pick(s_saas, 10, "Oh and support French as well.", NULL, &keep),
                     "Languages and Localisation");
    json_decref(keep);
    cr_assert_str_eq(s_pick(s_saas, 10,
                            "Half our agents are in Quebec, so the whole UI in French please.",
                            NULL, &keep),
                     "Languages and Localisation");
    json_decref(keep);
}

Test(offline_theme, families_from_the_vocabulary_meet_the_themes_words)
{
    json_t *keep;
    cr_assert_str_eq(s_pick(s_saas, 10, "Can it push deals into HubSpot?", NULL, &keep),
                     "Integrations");
    json_decref(keep);
    cr_assert_str_eq(s_pick(s_saas, 10, "We log in with Okta everywhere else.", NULL, &keep),
                     "Security and Admin");
    json_decref(keep);
    cr_assert_str_eq(s_pick(s_saas, 10, "A weekly KPI chart for the managers.", NULL, &keep),
                     "Reporting");
    json_decref(keep);
    cr_assert_str_eq(s_pick(s_saas, 10, "Does the iPhone version work offline?", NULL, &keep),
                     "Mobile");
    json_decref(keep);
}

Test(offline_theme, the_title_weighs_more_than_the_sentence)
{
    json_t *keep;
    const char *sentence = "We export a report every week and paste it into Slack.";
    cr_assert_str_eq(s_pick(s_saas, 10, sentence, "Slack integration", &keep), "Integrations");
    json_decref(keep);
    cr_assert_str_eq(s_pick(s_saas, 10, sentence, "Weekly report export", &keep), "Reporting");
    json_decref(keep);
}

Test(offline_theme, a_workspaces_own_words_count)
{
    static const char *const own[] = {
        "Route Planning",
        "Delivery routes, drivers and depots",
        "Cold Chain",
        "Refrigerated trucks and temperature logs",
    };
    json_t *keep;
    cr_assert_str_eq(
        s_pick(own, 4, "The drivers want the route to skip closed depots.", NULL, &keep),
        "Route Planning");
    json_decref(keep);
    cr_assert_str_eq(
        s_pick(own, 4, "Alarm us when a refrigerated truck gets above five degrees.", NULL, &keep),
        "Cold Chain");
    json_decref(keep);
}

Test(offline_theme, trigrams_meet_words_with_other_endings)
{
    /* "pallet" and "Palletising" share no stem (the stemmer makes "palletis"), only trigrams */
    static const char *const own[] = {"Palletising", "Stacking goods for shipping", "Billing",
                                      "Invoices"};
    json_t *keep;
    cr_assert_str_eq(s_pick(own, 4, "Each pallet should carry a printed label.", NULL, &keep),
                     "Palletising");
    json_decref(keep);
}

Test(offline_theme, below_the_floor_is_the_default_theme)
{
    json_t *keep;
    cr_assert_str_eq(
        s_pick(s_saas, 10, "It would be great to have keyboard shortcuts.", NULL, &keep),
        "Uncategorized");
    json_decref(keep);
    cr_assert_str_eq(s_pick(s_saas, 10, "", NULL, &keep), "Uncategorized");
    json_decref(keep);
    cr_assert_str_eq(s_pick(s_saas, 10, "the and of to a", "", &keep), "Uncategorized");
    json_decref(keep);
}

Test(offline_theme, no_themes_or_not_themes)
{
    cs_offline_themes_t th;
    cr_assert_eq(cs_offline_themes_load(NULL, &th), 0);
    cr_assert_str_eq(cs_offline_themes_pick(&th, "Salesforce sync", 15, NULL), "Uncategorized");
    cs_offline_themes_free(&th);
    json_t *odd = json_pack("[s, {s:s}, {s:i}]", "a string", "description", "no name", "name", 3);
    cr_assert_eq(cs_offline_themes_load(odd, &th), 0);
    cr_assert_eq(th.count, 0);
    cr_assert_str_eq(cs_offline_themes_pick(&th, "Salesforce sync", 15, NULL), "Uncategorized");
    cs_offline_themes_free(&th);
    cs_offline_themes_free(&th); /* a zeroed set is fine */
    json_decref(odd);
}

Test(offline_theme, ties_go_to_the_first_and_picks_are_repeatable)
{
    static const char *const twins[] = {"Slack", "Slack", "Slack too", "Slack"};
    json_t *keep;
    cr_assert_str_eq(s_pick(twins, 4, "Slack alerts", NULL, &keep), "Slack");
    json_decref(keep);
    const char *first = s_pick(s_saas, 10, "sync roles from Okta into the CRM", NULL, &keep);
    char *copy = strdup(first);
    json_decref(keep);
    for (int i = 0; i < 5; i++) {
        cr_assert_str_eq(s_pick(s_saas, 10, "sync roles from Okta into the CRM", NULL, &keep),
                         copy);
        json_decref(keep);
    }
    free(copy);
}

Test(offline_theme, hostile_text_is_bounded)
{
    size_t n = 4u << 20;
    char *big = malloc(n + 1);
    cr_assert_not_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)("Salesforce \xff\xc3 zq0 "[i % 18]);
    big[n] = '\0';
    json_t *keep;
    /* only the first CS_OFFLINE_THEME_MAX_TEXT bytes are read, of sentence and title alike */
    cr_assert_str_eq(s_pick(s_saas, 10, big, big, &keep), "Integrations");
    json_decref(keep);
    /* many distinct words: the feature cap holds */
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + (i * 7919 % 26));
    for (size_t i = 5; i < n; i += 6)
        big[i] = ' ';
    const char *got = s_pick(s_saas, 10, big, NULL, &keep);
    cr_assert_not_null(got);
    json_decref(keep);
    free(big);
}

Test(offline_theme, many_themes)
{
    /* 3000 themes, each with a long description: the rarity weights come from one sort, not
       from comparing every theme with every other */
    json_t *arr = json_array();
    char name[64], desc[2048];
    for (int i = 0; i < 3000; i++) {
        snprintf(name, sizeof name, "Theme %d", i);
        int off = 0;
        for (int w = 0; w < 100; w++) /* distinct letter words, shared by a few themes */
            off += snprintf(desc + off, sizeof desc - (size_t)off, "w%c%c%c ", 'a' + (i + w) % 26,
                            'a' + (i / 26 + w) % 26, 'a' + w % 26);
        json_array_append_new(arr, json_pack("{s:s, s:s}", "name", name, "description", desc));
    }
    json_array_append_new(arr,
                          json_pack("{s:s, s:s}", "name", "Shipping", "description", "Parcels"));
    cs_offline_themes_t th;
    cr_assert_eq(cs_offline_themes_load(arr, &th), 0);
    cr_assert_eq(th.count, 3001);
    cr_assert_str_eq(cs_offline_themes_pick(&th, "Track parcels", 13, NULL), "Shipping");
    cs_offline_themes_free(&th);
    json_decref(arr);
}
