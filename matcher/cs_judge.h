/*  cs_judge: the LLM judge of the matcher's ambiguous band (DESIGN.md section 5): is this new
    feature one of these few existing ones?

    The request is a Chat Completions body in the seed's words ("You are a product manager
    detecting duplicate features."), the new feature's title and description and the top-k
    candidates as "[id] name" with their descriptions, temperature 0.2, and a strict JSON
    schema in which matching_feature_id can only be one of the candidates' ids or null (or
    response_format json_object for servers without json_schema). Names and descriptions are
    customer words: they go inside delimiters and the model is told they are data.

    The answer is validated whatever the server promised: a JSON object with is_duplicate
    (boolean), matching_feature_id (a candidate's id, or null), confidence (0..1) and reasoning
    (string); is_duplicate true needs an id. Anything else is an invalid answer with a reason:
    the caller asks again or falls back. */
#ifndef CS_JUDGE_H
#define CS_JUDGE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define CS_JUDGE_TEMPERATURE 0.2
#define CS_JUDGE_MAX_TOKENS  400

typedef struct {
    bool is_duplicate;
    char matching_feature_id[64]; /* "" when null */
    double confidence;
    char reasoning[1024];
} cs_verdict_t;

/* The request body. `feature` is {title, description}; candidates are [{id, name,
   description}]. NULL when out of memory. */
json_t *cs_judge_request(const char *model, bool json_schema, const json_t *feature,
                         const json_t *candidates);

/* Validate an answer's content against the candidates (a Markdown code fence around the JSON
   object is left out, as cs_llm_unfence() does). 0 and *out filled, or -1 with the
   reason ("not JSON: ...", "matching_feature_id 'x' is not one of the candidates", ...). */
int cs_judge_parse(const char *content, const json_t *candidates, cs_verdict_t *out, char *err,
                   size_t errlen);

#endif
