/*  cs_llm_answer: what the answers of an OpenAI-compatible API mean, apart from the transport
    (cs_llm): the error message of a failed request, the content of a chat completion, the
    text inside a fenced answer, the durations of the rate-limit headers, the list prices of
    the models. Pure functions over borrowed text: nothing here allocates what the caller must
    free or keeps state. */
#ifndef CS_LLM_ANSWER_H
#define CS_LLM_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Bytes of the API's own error message that cs_llm_api_message quotes. */
#define CS_LLM_API_MESSAGE_MAX 400

/* The error message of an API answer body[0..len) into out (outlen bytes, NUL-terminated,
   control characters blanked, cut on a character boundary with "..."): OpenAI's {"error":
   {"message", "type", "code"}}, Ollama's {"error": "text"}, vLLM's {"message": ...}, FastAPI's
   {"detail": ...}, else the start of the body; "" for an empty body. *quota is set when the
   error's type or code says the account cannot pay (insufficient_quota and the codes OpenAI
   answers the same way). Can't fail. */
void cs_llm_api_message(const char *body, size_t len, char *out, size_t outlen, bool *quota);

/* From a chat completion response: the first choice's message content (borrowed from
   response), or NULL when there is none (a refusal, tool calls only, not a chat completion).
   Each out pointer may be NULL; *finish_reason is set to choices[0].finish_reason or NULL,
   *prompt_tokens and *completion_tokens to usage's counts or 0. */
const char *cs_llm_chat_content(const json_t *response, const char **finish_reason,
                                long *prompt_tokens, long *completion_tokens);

/* A duration as OpenAI writes x-ratelimit-reset-* ("1s", "6m0s", "20ms", "1m30.5s", "2h"; units
   h, m, s, ms, us, ns), in milliseconds rounded up; -1 when the text is not one. */
int64_t cs_llm_duration_ms(const char *text);

/* USD per million tokens (input, output) of a known model, as OpenAI publishes them; the
   longest matching prefix wins ("gpt-4o-mini-2024-07-18" is gpt-4o-mini). False for unknown
   models (local servers: free). */
bool cs_llm_model_price(const char *model, double *input, double *output);

/* The prompt tokens of an answer that the provider's prompt cache served:
   usage.prompt_tokens_details.cached_tokens of a chat completion (OpenAI reports it on every
   answer, 0 below 1,024 prompt tokens), capped at usage.prompt_tokens; 0 when the answer has
   none (servers without prompt caching). They are part of prompt_tokens, not added to it. */
long cs_llm_cached_tokens(const json_t *response);

/* USD per million cached prompt tokens of a known model, as OpenAI publishes them (gpt-4o
   family: half the input price; gpt-4.1 family and o4-mini: a quarter). False for an unknown
   model and for one without a published cached price (gpt-3.5-turbo, embeddings): the caller
   then charges cached tokens at the full input price. */
bool cs_llm_model_cached_price(const char *model, double *cached);

/* What one answer (or a sum of them) costs in USD: the prompt tokens not cached at
   price_input, the cached ones at price_cached, the completion tokens at price_output (USD
   per million). cached is clamped to [0, prompt]; negative counts count as 0. */
double cs_llm_cost_usd(long prompt, long cached, long completion, double price_input,
                       double price_cached, double price_output);

/* The chat model used when none is configured (--model, OPENAI_MODEL), for both the
   extractor and the matcher's judge. */
#define CS_LLM_DEFAULT_MODEL "gpt-4o-mini"

/* The text inside a chat answer: `answer` (borrowed, NUL-terminated) with the whitespace around
   it left out and, when it opens with a Markdown code fence ("```" or "```json" and a line
   break), that fence and its closing "```" left out too. Returns a pointer into `answer` and
   the length in *len (0 for an answer that is only whitespace). Can't fail. */
const char *cs_llm_unfence(const char *answer, size_t *len);

#endif
