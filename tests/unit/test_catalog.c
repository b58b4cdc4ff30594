/* cs_catalog: themes, exact names, top-k by similarity, IDF, snapshots. */
#include <string.h>

#include <criterion/criterion.h>

#include "cs_catalog.h"

#define WS "11111111-1111-4111-8111-111111111111"
#define T1 "22222222-2222-4222-8222-222222222221"
#define T2 "22222222-2222-4222-8222-222222222222"
#define TD "22222222-2222-4222-8222-222222222220"

static cs_catalog_t *s_catalog(void)
{
    cs_catalog_t *cat = cs_catalog_new(WS, true);
    cr_assert(cat);
    cr_assert_eq(cs_catalog_add_theme(cat, TD, "Uncategorized", true), 0);
    cr_assert_eq(cs_catalog_add_theme(cat, T1, "Integrations", false), 0);
    cr_assert_eq(cs_catalog_add_theme(cat, T2, "Reporting", false), 0);
    return cat;
}

static cs_feature_t *s_add(cs_catalog_t *cat, const char *id, const char *theme, const char *name)
{
    cs_vec_t v;
    cr_assert_eq(cs_vec_offline_feature(name, "", &v), 0);
    cs_feature_t *f = cs_catalog_add(cat, id, theme, name, "", &v, false);
    cr_assert(f, "add %s", id);
    cr_assert_eq(v.n, 0, "the vector was taken");
    return f;
}

static int s_top(cs_catalog_t *cat, const char *theme, const char *text, cs_hit_t *hits, int k)
{
    cs_vec_t q, w;
    cr_assert_eq(cs_vec_offline_feature(text, "", &q), 0);
    cr_assert_eq(cs_vec_words(text, &w), 0);
    int n = cs_catalog_top(cat, theme, &q, &w, k, hits, 0);
    cs_vec_free(&q);
    cs_vec_free(&w);
    return n;
}

Test(catalog, themes_resolve_by_name_else_the_default)
{
    cs_catalog_t *cat = s_catalog();
    cr_assert_str_eq(cs_catalog_theme_id(cat, "integrations"), T1);
    cr_assert_str_eq(cs_catalog_theme_id(cat, "Nonsense"), TD);
    cr_assert_str_eq(cs_catalog_theme_id(cat, NULL), TD);
    cs_catalog_destroy(&cat);
    cr_assert_null(cat);
    cat = cs_catalog_new(WS, true);
    cr_assert_null(cs_catalog_theme_id(cat, "x"), "no themes at all");
    cs_catalog_destroy(&cat);
}

Test(catalog, theme_names_by_id)
{
    cs_catalog_t *cat = s_catalog();
    cr_assert_str_eq(cs_catalog_theme_name(cat, T1), "Integrations");
    cr_assert_str_eq(cs_catalog_theme_name(cat, TD), "Uncategorized");
    cr_assert_null(cs_catalog_theme_name(cat, WS), "not a theme of the catalogue");
    cr_assert_null(cs_catalog_theme_name(cat, ""));
    cr_assert_null(cs_catalog_theme_name(cat, NULL));
    cs_catalog_destroy(&cat);
}

Test(catalog, exact_names_are_per_theme_unless_asked_for_all)
{
    cs_catalog_t *cat = s_catalog();
    s_add(cat, "a0000000-0000-4000-8000-000000000001", T1, "Salesforce Sync");
    cr_assert(cs_catalog_exact(cat, T1, "salesforce  SYNC!", 0));
    cr_assert_null(cs_catalog_exact(cat, T2, "Salesforce sync", 0), "another theme");
    cr_assert(cs_catalog_exact(cat, NULL, "Salesforce sync", 0), "cross-theme");
    cr_assert_null(cs_catalog_exact(cat, T1, "Salesforce", 0));
    cr_assert_null(cs_catalog_exact(cat, T1, "Salesforce sync", 1), "not added since position 1");
    cr_assert_null(cs_catalog_add(cat, "a0000000-0000-4000-8000-000000000001", T1, "x", "",
                                  &(cs_vec_t){0}, false),
                   "an id is added once");
    cs_catalog_destroy(&cat);
}

Test(catalog, another_name_leads_to_a_feature_unless_a_feature_has_that_name)
{
    cs_catalog_t *cat = s_catalog();
    cs_feature_t *sso = s_add(cat, "a0000000-0000-4000-8000-000000000001", T1, "Single sign-on");
    cs_feature_t *csv = s_add(cat, "a0000000-0000-4000-8000-000000000002", T2, "CSV export");
    cr_assert_eq(cs_catalog_add_name(cat, sso, T2, "Okta SSO"), 0);
    cr_assert_eq(cs_catalog_add_name(cat, sso, T2, "csv EXPORT"), 0);
    cr_assert_eq(cs_catalog_add_name(cat, sso, T1, ""), 0);
    cr_assert_eq(cs_catalog_exact(cat, T2, "okta sso", 0), sso, "in the name's own theme");
    cr_assert_eq(cs_catalog_exact(cat, NULL, "Okta SSO", 0), sso, "in any theme");
    cr_assert_null(cs_catalog_exact(cat, T1, "Okta SSO", 0), "not in another theme");
    cr_assert_eq(cs_catalog_exact(cat, T2, "CSV export", 0), csv, "a feature's own name wins");
    cr_assert_null(cs_catalog_exact(cat, T2, "Okta SSO", 2), "not added since position 2");
    cs_catalog_destroy(&cat);
}

Test(catalog, top_k_is_best_first_within_the_theme)
{
    cs_catalog_t *cat = s_catalog();
    s_add(cat, "a0000000-0000-4000-8000-000000000001", T1, "Salesforce integration");
    s_add(cat, "a0000000-0000-4000-8000-000000000002", T1, "HubSpot integration");
    s_add(cat, "a0000000-0000-4000-8000-000000000003", T1, "Slack notifications");
    s_add(cat, "a0000000-0000-4000-8000-000000000004", T2, "Salesforce reports");
    cs_hit_t hits[5];
    int n = s_top(cat, T1, "Salesforce integration for tickets", hits, 5);
    cr_assert_eq(n, 2, "the theme's two features that share something with it");
    cr_assert_str_eq(hits[0].feature->name, "Salesforce integration");
    cr_assert_str_eq(hits[1].feature->name, "HubSpot integration");
    cr_assert_gt(hits[0].fused, hits[1].fused);
    cr_assert_gt(hits[0].similarity, hits[1].similarity);
    for (int i = 0; i < n; i++)
        cr_assert_str_eq(hits[i].feature->theme_id, T1);
    n = s_top(cat, NULL, "Salesforce integration for tickets", hits, 5);
    cr_assert_eq(n, 3, "every theme; Slack notifications shares nothing with it");
    n = s_top(cat, NULL, "Salesforce integration for tickets", hits, 1);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(hits[0].feature->name, "Salesforce integration");
    cs_catalog_destroy(&cat);
}

Test(catalog, a_word_every_feature_has_counts_for_little)
{
    cs_catalog_t *cat = s_catalog();
    const char *names[] = {"Export to Excel",  "Export to PDF",   "Export to CSV",
                           "Export audit log", "Export contacts", "Scheduled export"};
    char id[40];
    for (int i = 0; i < 6; i++) {
        snprintf(id, sizeof id, "a0000000-0000-4000-8000-00000000000%d", i);
        s_add(cat, id, T2, names[i]);
    }
    cs_hit_t hits[3];
    int n = s_top(cat, T2, "PDF export of invoices", hits, 3);
    cr_assert_geq(n, 1);
    cr_assert_str_eq(hits[0].feature->name, "Export to PDF", "the rare word decides");
    cr_assert_gt(hits[0].similarity - (n > 1 ? hits[1].similarity : 0), 0.2);
    cs_catalog_destroy(&cat);
}

Test(catalog, features_without_a_vector_wait_to_be_embedded)
{
    cs_catalog_t *cat = cs_catalog_new(WS, false);
    cs_vec_t none = {0};
    cs_feature_t *f =
        cs_catalog_add(cat, "a0000000-0000-4000-8000-000000000001", "", "Dark mode", "", &none, 0);
    cr_assert(f);
    cr_assert_eq(cs_catalog_missing(cat), 1);
    double x[] = {1, 0};
    cs_vec_t q, v;
    cr_assert_eq(cs_vec_dense(x, 2, &q), 0);
    cs_hit_t hit;
    cr_assert_eq(cs_catalog_top(cat, NULL, &q, NULL, 1, &hit, 0), 0, "nothing to compare yet");
    cr_assert_eq(cs_vec_dense(x, 2, &v), 0);
    cs_catalog_set_vec(cat, f, &v);
    cr_assert_eq(cs_catalog_missing(cat), 0);
    cr_assert_eq(cs_catalog_top(cat, NULL, &q, NULL, 1, &hit, 0), 1);
    cr_assert_float_eq(hit.similarity, 1.0, 1e-6);
    cs_vec_free(&q);
    cs_catalog_destroy(&cat);
}

Test(catalog, positions_are_snapshots_and_clear_counts_reloads)
{
    cs_catalog_t *cat = s_catalog();
    s_add(cat, "a0000000-0000-4000-8000-000000000001", T1, "Salesforce integration");
    size_t snap = cs_catalog_size(cat);
    s_add(cat, "a0000000-0000-4000-8000-000000000002", T1, "Salesforce sync");
    cs_vec_t q;
    cr_assert_eq(cs_vec_offline_feature("Salesforce", "", &q), 0);
    cs_hit_t hits[5];
    cr_assert_eq(cs_catalog_top(cat, T1, &q, NULL, 5, hits, snap), 1, "only what came after");
    cr_assert_str_eq(hits[0].feature->name, "Salesforce sync");
    cs_vec_free(&q);
    cr_assert_eq(cs_catalog_reloads(cat), 0);
    cs_catalog_clear(cat);
    cr_assert_eq(cs_catalog_reloads(cat), 1);
    cr_assert_eq(cs_catalog_size(cat), 0);
    cr_assert_eq(cs_catalog_themes(cat), 0);
    cr_assert_null(cs_catalog_get(cat, "a0000000-0000-4000-8000-000000000001"));
    cs_catalog_destroy(&cat);
}

Test(catalog, the_lexical_score_covers_the_shorter_side_and_weighs_rare_words)
{
    cs_catalog_t *cat = s_catalog();
    s_add(cat, "a0000000-0000-4000-8000-000000000001", T1, "Slack alerts");
    s_add(cat, "a0000000-0000-4000-8000-000000000002", T1, "Dark mode");
    s_add(cat, "a0000000-0000-4000-8000-000000000003", T1, "Help");
    cs_hit_t hits[3];
    int n = s_top(cat, T1, "Alerts in Slack whenever a conversation gets assigned to an agent",
                  hits, 3);
    cr_assert_eq(n, 1, "only the Slack feature shares words with it");
    cr_assert_gt(hits[0].lexical, 0.6, "the short name is covered by the long text: %f",
                 hits[0].lexical);
    cr_assert_float_eq(hits[0].fused, 0.5 * hits[0].similarity + 0.5 * hits[0].lexical, 1e-9);
    n = s_top(cat, T1, "Help with the onboarding of new agents", hits, 3);
    cr_assert_eq(n, 1);
    cr_assert_lt(hits[0].lexical, 0.25, "a name of one word of asking says too little: %f",
                 hits[0].lexical);
    cs_catalog_destroy(&cat);
}

Test(catalog, an_alias_makes_a_chain_of_requests_one_feature)
{
    cs_catalog_t *cat = s_catalog();
    cs_feature_t *f =
        s_add(cat, "a0000000-0000-4000-8000-000000000001", T1, "Conversation summaries");
    s_add(cat, "a0000000-0000-4000-8000-000000000002", T1, "Dark mode");
    cs_hit_t hit;
    const char *chain = "TL;DR of long threads on handover";
    cr_assert_eq(s_top(cat, T1, chain, &hit, 1), 0, "nothing in common with the name");
    cs_vec_t v;
    cr_assert_eq(cs_vec_offline_feature("TL;DR on handover", "", &v), 0);
    cr_assert_eq(cs_catalog_add_alias(cat, f, "TL;DR on handover", &v), 0);
    cr_assert_eq(f->naliases, 1);
    cr_assert_eq(s_top(cat, T1, chain, &hit, 1), 1);
    cr_assert_eq(hit.feature, f, "found through its alias");
    cr_assert_eq(hit.alias, 0);
    cr_assert_eq(cs_vec_offline_feature("tl;dr ON handover", "", &v), 0);
    cr_assert_eq(cs_catalog_add_alias(cat, f, "tl;dr ON handover", &v), 0);
    cr_assert_eq(f->naliases, 1, "the same name again is no new alias");
    for (int i = 0; i < 2 * CS_CATALOG_MAX_ALIASES; i++) {
        char name[32];
        snprintf(name, sizeof name, "alias number %d", i);
        cr_assert_eq(cs_vec_offline_feature(name, "", &v), 0);
        cr_assert_eq(cs_catalog_add_alias(cat, f, name, &v), 0);
    }
    cr_assert_eq(f->naliases, CS_CATALOG_MAX_ALIASES, "capped");
    cs_catalog_destroy(&cat);
}

Test(catalog, a_feature_keeps_its_three_newest_distinct_quotes)
{
    cs_catalog_t *cat = s_catalog();
    cs_feature_t *f = s_add(cat, "a0000000-0000-4000-8000-000000000001", T1, "Slack alerts");
    cr_assert_eq(cs_catalog_add_quote(f, "one"), 0);
    cr_assert_eq(cs_catalog_add_quote(f, ""), 0);
    cr_assert_eq(cs_catalog_add_quote(f, NULL), 0);
    cr_assert_eq(cs_catalog_add_quote(f, "one"), 0);
    cr_assert_str_eq(f->quotes[0], "one");
    cr_assert_null(f->quotes[1], "an empty or repeated quote is not kept");
    cr_assert_eq(cs_catalog_add_quote(f, "two"), 0);
    cr_assert_eq(cs_catalog_add_quote(f, "three"), 0);
    cr_assert_eq(cs_catalog_add_quote(f, "four"), 0);
    cr_assert_str_eq(f->quotes[0], "four");
    cr_assert_str_eq(f->quotes[1], "three");
    cr_assert_str_eq(f->quotes[2], "two");
    cs_catalog_destroy(&cat);
}
