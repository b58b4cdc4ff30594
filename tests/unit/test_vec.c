/* cs_vec: offline vectors, dense vectors, their stored forms, normalised names. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_vec.h"

static double s_sim(const char *a, const char *b)
{
    cs_vec_t va, vb;
    cr_assert_eq(cs_vec_offline(a, &va), 0);
    cr_assert_eq(cs_vec_offline(b, &vb), 0);
    double s = cs_vec_dot(&va, &vb);
    cs_vec_free(&va);
    cs_vec_free(&vb);
    return s;
}

Test(vec, offline_vectors_are_unit_length_sorted_and_deterministic)
{
    cs_vec_t a, b;
    cr_assert_eq(cs_vec_offline("Sync tickets with Salesforce", &a), 0);
    cr_assert_eq(cs_vec_offline("Sync tickets with Salesforce", &b), 0);
    cr_assert_gt(a.n, 10, "words, pairs and character n-grams");
    cr_assert_not_null(a.idx);
    for (int i = 1; i < a.n; i++)
        cr_assert_gt(a.idx[i], a.idx[i - 1]);
    cr_assert_float_eq(cs_vec_dot(&a, &a), 1.0, 1e-5);
    cr_assert_eq(a.n, b.n);
    cr_assert_eq(memcmp(a.idx, b.idx, (size_t)a.n * sizeof *a.idx), 0);
    cs_vec_free(&a);
    cs_vec_free(&b);
}

Test(vec, case_punctuation_and_filler_words_do_not_matter)
{
    cr_assert_float_eq(s_sim("Salesforce integration", "SALESFORCE-Integration!"), 1.0, 1e-5);
    /* the words of asking stay, but weigh little beside the object */
    cr_assert_gt(s_sim("Add support for dark mode", "dark mode"), 0.9);
    cr_assert_float_eq(s_sim("We would really like the dark mode", "dark mode"), 1.0, 1e-5,
                       "stop words and filler are dropped");
}

Test(vec, word_forms_meet_and_unrelated_texts_do_not)
{
    double forms = s_sim("Export reports", "Exporting report");
    double other = s_sim("Export reports", "Single sign-on with Okta");
    cr_assert_gt(forms, 0.8, "%f", forms);
    cr_assert_lt(other, 0.05, "%f", other);
}

Test(vec, empty_text_is_an_empty_vector)
{
    cs_vec_t v;
    cr_assert_eq(cs_vec_offline("  the and to !!", &v), 0);
    cr_assert_eq(v.n, 0);
    cr_assert_float_eq(cs_vec_dot(&v, &v), 0.0, 1e-9);
    cs_vec_free(&v);
    cr_assert_eq(cs_vec_offline(NULL, &v), 0);
    cr_assert_eq(v.n, 0);
}

Test(vec, the_feature_vector_weighs_the_name_over_the_description)
{
    cs_vec_t a, b, c;
    cr_assert_eq(cs_vec_offline_feature("Dark mode", "Easier on the eyes at night", &a), 0);
    cr_assert_eq(cs_vec_offline_feature("Dark mode", "A black theme for the inbox", &b), 0);
    cr_assert_eq(cs_vec_offline_feature("Night shift rota", "Easier on the eyes at night", &c), 0);
    cr_assert_float_eq(cs_vec_dot(&a, &a), 1.0, 1e-5);
    cr_assert_gt(cs_vec_dot(&a, &b), cs_vec_dot(&a, &c), "same name beats same description");
    cs_vec_free(&a);
    cs_vec_free(&b);
    cs_vec_free(&c);
}

Test(vec, dense_vectors_are_scaled_and_compared_by_length)
{
    double x[] = {3, 4}, y[] = {4, 3}, z[] = {1, 0, 0}, zero[] = {0, 0};
    cs_vec_t a, b, c, d;
    cr_assert_eq(cs_vec_dense(x, 2, &a), 0);
    cr_assert_eq(cs_vec_dense(y, 2, &b), 0);
    cr_assert_eq(cs_vec_dense(z, 3, &c), 0);
    cr_assert_eq(cs_vec_dense(zero, 2, &d), -1, "a zero vector has no direction");
    cr_assert_float_eq(cs_vec_dot(&a, &b), 0.96, 1e-6);
    cr_assert_float_eq(cs_vec_dot(&a, &c), 0.0, 1e-9, "different lengths never compare");
    cs_vec_t s;
    cr_assert_eq(cs_vec_offline("dark mode", &s), 0);
    cr_assert_float_eq(cs_vec_dot(&a, &s), 0.0, 1e-9, "dense and sparse never compare");
    cs_vec_free(&a);
    cs_vec_free(&b);
    cs_vec_free(&c);
    cs_vec_free(&s);
}

Test(vec, json_round_trip_keeps_hashes_above_two_to_the_31)
{
    cs_vec_t v, back;
    cr_assert_eq(cs_vec_offline("Custom signatures for shared inbox users", &v), 0);
    bool high = false;
    for (int i = 0; i < v.n; i++)
        high = high || v.idx[i] > 0x7fffffffu;
    cr_assert(high, "the test needs a hash that is negative as a PostgreSQL integer");
    json_t *values, *index;
    cs_vec_to_json(&v, &values, &index);
    cr_assert_not_null(index);
    char err[128];
    cr_assert_eq(cs_vec_from_json(values, index, &back, err, sizeof err), 0, "%s", err);
    cr_assert_eq(back.n, v.n);
    cr_assert_eq(memcmp(back.idx, v.idx, (size_t)v.n * sizeof *v.idx), 0);
    cr_assert_float_eq(cs_vec_dot(&v, &back), 1.0, 1e-5);
    json_decref(values);
    json_decref(index);
    cs_vec_free(&v);
    cs_vec_free(&back);
}

Test(vec, postgres_arrays_parse_and_bad_ones_are_refused)
{
    cs_vec_t v;
    char err[128];
    cr_assert_eq(cs_vec_from_pg("{0.6,0.8}", NULL, &v, err, sizeof err), 0, "%s", err);
    cr_assert_eq(v.n, 2);
    cr_assert_null(v.idx);
    cr_assert_float_eq(v.val[1], 0.8, 1e-6);
    cs_vec_free(&v);
    cr_assert_eq(cs_vec_from_pg("{0.5,0.5}", "{12,-7}", &v, err, sizeof err), 0, "%s", err);
    cr_assert_eq(v.idx[0], 12u);
    cr_assert_eq(v.idx[1], (uint32_t)-7, "stored signed, read back as the same 32 bits");
    cs_vec_free(&v);
    cr_assert_eq(cs_vec_from_pg("{}", NULL, &v, err, sizeof err), 0);
    cr_assert_eq(v.n, 0);
    cs_vec_free(&v);
    cr_assert_eq(cs_vec_from_pg("0.5,0.5", NULL, &v, err, sizeof err), -1);
    cr_assert_eq(cs_vec_from_pg("{0.5,x}", NULL, &v, err, sizeof err), -1);
    cr_assert(strstr(err, "value 1"), "%s", err);
    cr_assert_eq(cs_vec_from_pg("{0.5,0.5}", "{1}", &v, err, sizeof err), -1);
    cr_assert_eq(cs_vec_from_pg("{0.5,0.5}", "{9,3}", &v, err, sizeof err), -1, "unsorted");
}

Test(vec, names_normalise_for_exact_matching)
{
    char *n = cs_vec_norm_name("  Salesforce-SYNC!  (v2) ");
    cr_assert_str_eq(n, "salesforce sync v2");
    free(n);
    n = cs_vec_norm_name("");
    cr_assert_str_eq(n, "");
    free(n);
}
