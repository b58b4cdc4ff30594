/*  cs_offline_linear: the offline extractor's model, two logistic regressions (request, bug)
    over hashed word, word-pair, character n-gram and cue-phrase features of a sentence.

    The model text is written by extractor/model/train_request_model.py (write_model: one
    "key value" per line, '#' comments, the weights as gap-coded rows, an "end" line) and
    embedded at build time (cs_offline_model_text). cs_offline.h declares the constructors,
    the destructor, the score and threshold functions this module implements; here is what
    the extraction needs besides. */
#ifndef CS_OFFLINE_LINEAR_H
#define CS_OFFLINE_LINEAR_H

#include <stddef.h>

#include "cs_offline.h"
#include "cs_offline_text.h"

/* Both probabilities (0..1) of one sentence, its raw bytes raw[0..n) and its tokens `t`
   (both borrowed): out[0] request, out[1] bug. Out of memory scores 0 for both. */
void cs_offline_score_tokens(const cs_offline_t *m, const char *raw, size_t n,
                             const cs_offline_tokens_t *t, double out[2]);

#endif
