/*  cs_offline_sentences: the offline extractor's sentences of one call, and the decision on
    each (cs_offline_decide.c): request, bug or nothing, and a request's confidence, by the
    rules of cs_offline.h. Internal to the offline extractor (cs_offline.c collects the
    sentences and builds the insights from the decisions). */
#ifndef CS_OFFLINE_SENTENCES_H
#define CS_OFFLINE_SENTENCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs_offline.h"
#include "cs_offline_text.h"

/* One sentence of the transcript. */
typedef struct {
    const char *text; /* the utterance's text, borrowed from the call */
    size_t start, end;
    const char *speaker; /* borrowed; NULL when unknown */
    size_t utt;          /* the utterance's index in the transcript */
    bool customer, vendor;
    cs_offline_tokens_t tok;
    double score[2];   /* request, bug; customer sentences only */
    int kind;          /* -1 nothing, 0 request, 1 bug */
    double confidence; /* of a request: 0..1 */
    size_t context;    /* a request agreeing to the rep's restatement: that sentence, else
                          CS_OFFLINE_NONE */
    size_t object;     /* the restatement's first word of the object */
    bool need_only;    /* a request only as a need stated as a problem */
    bool pain;
} cs_offline_sentence_t;

/* No sentence. */
#define CS_OFFLINE_NONE SIZE_MAX

typedef struct {
    cs_offline_sentence_t *s;
    size_t count, cap;
    bool truncated;
    /* the utterance being split */
    const char *text;
    const char *speaker;
    size_t utt;
    bool customer, vendor;
    bool failed;
    bool internal_meeting; /* nobody speaks for the customer (cs_speakers.h) */
    bool any_vendor;       /* somebody speaks for the vendor */
} cs_offline_sentences_t;

/* Tokenize every sentence, score the customer's, and decide each: request, bug or nothing,
   with a request's confidence, context and object. 0, or -1 when memory runs out. */
int cs_offline_decide(const cs_offline_t *self, cs_offline_sentences_t *all);

#endif
