/* cs_terms: the words that say which feature a request is about. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cs_terms.h"

typedef struct {
    char text[1024];
    size_t len;
    float weights[64];
    int n;
} got_t;

static void s_collect(void *arg, const char *stem, size_t len, float weight)
{
    got_t *g = arg;
    cr_assert_eq(strlen(stem), len);
    g->len +=
        (size_t)snprintf(g->text + g->len, sizeof g->text - g->len, "%s%s", g->n ? " " : "", stem);
    if (g->n < 64)
        g->weights[g->n] = weight;
    g->n++;
}

static got_t s_terms(const char *text)
{
    got_t g = {0};
    cr_assert_eq(cs_terms_each(text, s_collect, &g), 0);
    return g;
}

Test(terms, stop_words_and_filler_go_and_snowball_stems_the_rest)
{
    got_t g = s_terms("Honestly, we'd really love the exporting of our Salesforce accounts!");
    cr_assert_str_eq(g.text, "export salesforc account");
    g = s_terms("Exported, exports, EXPORT");
    cr_assert_str_eq(g.text, "export export export", "one stem for every form");
    g = s_terms("the customer's tickets don't close");
    cr_assert_str_eq(g.text, "custom ticket close", "'s and stop words with apostrophes go");
}

Test(terms, the_words_of_asking_weigh_less_than_the_object)
{
    got_t g = s_terms("Add support for dark mode");
    cr_assert_str_eq(g.text, "add support dark mode");
    cr_assert_float_eq(g.weights[0], CS_TERMS_ASK_WEIGHT, 1e-6);
    cr_assert_float_eq(g.weights[1], CS_TERMS_ASK_WEIGHT, 1e-6);
    cr_assert_float_eq(g.weights[2], 1.0, 1e-6);
    cr_assert_float_eq(g.weights[3], 1.0, 1e-6);
}

Test(terms, camel_case_is_cut_and_hostile_or_long_text_stays_bounded)
{
    got_t g = s_terms("AbfsClient#appendSASToken");
    cr_assert_str_eq(g.text, "abf client append sastoken");
    char longword[300];
    memset(longword, 'x', sizeof longword - 1);
    longword[sizeof longword - 1] = '\0';
    g = s_terms(longword);
    cr_assert_eq(g.n, 1);
    cr_assert_leq(strlen(g.text), 2 * CS_TERMS_MAX_WORD, "cut at the cap");
    g = s_terms("\x01\x02 ''' -- \xff\xfe caf\xc3\xa9");
    cr_assert_geq(g.n, 1, "bytes of other scripts stay words");
    g = s_terms(NULL);
    cr_assert_eq(g.n, 0);
    cr_assert(cs_terms_dropped("really"));
    cr_assert(cs_terms_dropped("dont"));
    cr_assert_not(cs_terms_dropped("salesforce"));
}

Test(terms, words_that_name_the_same_thing_in_a_request_give_one_term)
{
    cr_assert_str_eq(s_terms("Slack alerts").text, "slack notif");
    cr_assert_str_eq(s_terms("Notifications in Slack").text, "notif slack");
    cr_assert_str_eq(s_terms("Connect the system to Zapier").text, "integr system zapier");
    cr_assert_str_eq(s_terms("Zapier integration").text, "zapier integr");
    cr_assert_str_eq(s_terms("Monthly dump into Excel").text, "month export spreadsheet");
    cr_assert_str_eq(s_terms("SAML login through Okta").text, "sso login sso");
    /* a word outside every class keeps its own stem, and the stop list still comes first */
    cr_assert_str_eq(s_terms("Dark mode for the dashboard").text, "dark mode report");
}
