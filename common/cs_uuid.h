/*  cs_uuid: deterministic (v5) and random (v4) UUIDs in canonical text form.

    Deterministic ids make redelivery harmless (DESIGN.md section 3): the same call always
    maps to the same message id, and the n-th feature extracted from it to the same feature id,
    so a redelivered call finds its rows already there. */
#ifndef CS_UUID_H
#define CS_UUID_H

#include <stdbool.h>
#include <stddef.h>

#define CS_UUID_LEN 37 /* 36 characters and the NUL */

/* Name-based UUIDv5 of `name` in the callsift namespace. Can't fail. */
void cs_uuid_v5(const char *name, char out[CS_UUID_LEN]);

/* Random UUIDv4. Can't fail. */
void cs_uuid_v4(char out[CS_UUID_LEN]);

/* True for a canonical 8-4-4-4-12 hexadecimal UUID. */
bool cs_uuid_valid(const char *text);

/* The same for the n bytes at s (not NUL-terminated). */
bool cs_uuid_valid_n(const char *s, size_t n);

/* The message id of a call: v5 of "message/" workspace "/" source "/" external_id. */
void cs_uuid_message_id(const char *workspace_id, const char *source, const char *external_id,
                        char out[CS_UUID_LEN]);

/* The id a new feature gets when extracted feature number `index` of message `message_id`
   creates it: v5 of "feature/" message_id "/" index. */
void cs_uuid_feature_id(const char *message_id, int index, char out[CS_UUID_LEN]);

#endif
