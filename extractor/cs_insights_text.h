/*  cs_insights_text: the text forms cs_insights compares and stores. cs_insights.h declares
    the two forms (cs_insights_normalise, cs_insights_clean) and cs_insights_overall, which
    this module implements; here are the comparisons of names built on them. */
#ifndef CS_INSIGHTS_TEXT_H
#define CS_INSIGHTS_TEXT_H

/* 1 when a and b are the same name, letter case and surrounding whitespace aside (both
   through cs_insights_clean, then case-folded as cs_insights_normalise folds); 0 when not;
   -1 when out of memory. */
int cs_insights_same_name(const char *a, const char *b);

/* The index of `value` in the NULL-terminated `list`, compared as cs_insights_same_name
   compares; -1 when absent, NULL, or out of memory. */
int cs_insights_choice(const char *const *list, const char *value);

#endif
