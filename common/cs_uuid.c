#include "cs_uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

/* The callsift namespace: chosen once at random, fixed forever (stored ids depend on it). */
static const char NAMESPACE[] = "0b6a7b4e-5d1c-5a8e-9f3e-6b2d7c1a9e40";

void cs_uuid_v5(const char *name, char out[CS_UUID_LEN])
{
    uuid_t ns, id;
    uuid_parse(NAMESPACE, ns);
    uuid_generate_sha1(id, ns, name, strlen(name));
    uuid_unparse_lower(id, out);
}

void cs_uuid_v4(char out[CS_UUID_LEN])
{
    uuid_t id;
    uuid_generate_random(id);
    uuid_unparse_lower(id, out);
}

bool cs_uuid_valid_n(const char *s, size_t n)
{
    uuid_t id; /* libuuid's parser checks exactly the canonical 8-4-4-4-12 form */
    return s && uuid_parse_range(s, s + n, id) == 0;
}

bool cs_uuid_valid(const char *text)
{
    return text && cs_uuid_valid_n(text, strlen(text));
}

void cs_uuid_message_id(const char *workspace_id, const char *source, const char *external_id,
                        char out[CS_UUID_LEN])
{
    size_t n = strlen(workspace_id) + strlen(source) + strlen(external_id) + 16;
    char *name = malloc(n);
    if (!name)
        abort(); /* a few hundred bytes: out of memory here is not survivable anyway */
    snprintf(name, n, "message/%s/%s/%s", workspace_id, source, external_id);
    cs_uuid_v5(name, out);
    free(name);
}

void cs_uuid_feature_id(const char *message_id, int index, char out[CS_UUID_LEN])
{
    char name[80];
    snprintf(name, sizeof name, "feature/%s/%d", message_id, index);
    cs_uuid_v5(name, out);
}
