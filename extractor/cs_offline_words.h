/*  cs_offline_words: the offline extractor's hand-written word lists, which adapt a model
    trained on forum posts and app reviews to sales calls. Each list is NULL-terminated and
    holds phrases as cs_offline_text.h reads them (normalised words: lower case, no apostrophes;
    '*' ends a prefix; "^ " anchors at the start of the sentence). Static data: nothing to
    free, nothing that fails. cs_offline_words.c says why each list holds what it holds. */
#ifndef CS_OFFLINE_WORDS_H
#define CS_OFFLINE_WORDS_H

/* Requests and bugs */
extern const char *const cs_offline_words_explicit_request[]; /* a request whatever the score */
extern const char *const cs_offline_words_not_request[];      /* sales-process talk: never one */
extern const char *const cs_offline_words_requestish[];       /* a scored request asks with one */
extern const char *const cs_offline_words_explicit_bug[]; /* a bug with a non-negligible score */
extern const char *const cs_offline_words_trouble[];      /* something going wrong */

/* Urgency of a request, severity of a bug */
extern const char *const cs_offline_words_urgency_low_first[]; /* "not urgent": low, first */
extern const char *const cs_offline_words_urgency_critical[];
extern const char *const cs_offline_words_urgency_high[];
extern const char *const cs_offline_words_urgency_low[];
extern const char *const cs_offline_words_severity_critical[];
extern const char *const cs_offline_words_severity_high[];
extern const char *const cs_offline_words_severity_low[];

/* Pain points and sentiment */
extern const char *const cs_offline_words_pain[];
extern const char *const cs_offline_words_positive[];
extern const char *const cs_offline_words_negative[];
extern const char *const cs_offline_words_negators[]; /* flip the polarity of the next words */

/* Titles (single words) */
extern const char *const cs_offline_words_request_verbs[];     /* a request's object follows */
extern const char *const cs_offline_words_request_lead[];      /* no request title starts so */
extern const char *const cs_offline_words_bug_lead[];          /* no bug title starts so */
extern const char *const cs_offline_words_title_stop[];        /* a title stops before these */
extern const char *const cs_offline_words_title_tail[];        /* nor ends with these */
extern const char *const cs_offline_words_title_break[];       /* a long title is cut before */
extern const char *const cs_offline_words_title_joined[];      /* ...with these before the cut */
extern const char *const cs_offline_words_title_asks_which[];  /* "shows | which ..." */
extern const char *const cs_offline_words_title_tool[];        /* "the tool could | draft" */
extern const char *const cs_offline_words_title_importance[];  /* "X | is a must" */
extern const char *const cs_offline_words_title_degree[];      /* "is | our top | priority" */
extern const char *const cs_offline_words_title_tell[];        /* "prove | to X | that..." */
extern const char *const cs_offline_words_title_clause_open[]; /* "| that", "| how" */
extern const char *const cs_offline_words_title_ask_to[];      /* "ask X | to rate" */
extern const char *const cs_offline_words_title_quantifier[];  /* "a few of | our sites" */
extern const char *const cs_offline_words_title_subject[];     /* ", and | we use Slack" */
extern const char *const cs_offline_words_title_determiner[];  /* ", and | the team lives" */
extern const char *const cs_offline_words_title_finite[];      /* "the data | is" */
extern const char *const cs_offline_words_title_verbs[];       /* "the agents | use" */
extern const char *const cs_offline_words_title_time_unit[];   /* "the day | before" */
extern const char *const cs_offline_words_title_saying[];      /* "X says | every tool needs" */
extern const char *const cs_offline_words_filler[];            /* nor has these inside */
extern const char *const cs_offline_words_title_meta[];        /* say how much, not what */
extern const char *const cs_offline_words_bug_meta[];          /* say that, not what, is wrong */

/* Themes */
extern const char *const cs_offline_words_stopwords[]; /* say nothing about a theme */

#endif
