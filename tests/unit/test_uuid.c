/* cs_uuid: deterministic ids are stable, distinct, and well-formed. */
#include <string.h>

#include <criterion/criterion.h>

#include "cs_uuid.h"

Test(uuid, v5_is_deterministic_and_versioned)
{
    char a[CS_UUID_LEN], b[CS_UUID_LEN], c[CS_UUID_LEN];
    cs_uuid_message_id("647ab033-6d10-4a35-9ace-0399052ec874", "gong", "7782342274025937895", a);
    cs_uuid_message_id("647ab033-6d10-4a35-9ace-0399052ec874", "gong", "7782342274025937895", b);
    cs_uuid_message_id("647ab033-6d10-4a35-9ace-0399052ec874", "replay", "7782342274025937895", c);
    cr_assert_str_eq(a, b);
    cr_assert_str_neq(a, c);
    cr_assert(cs_uuid_valid(a));
    cr_assert_eq(a[14], '5', "version nibble: %s", a);
    /* Pinned: a change of namespace or name layout would orphan every stored id. */
    char pinned[CS_UUID_LEN];
    cs_uuid_v5("callsift", pinned);
    cr_assert_str_eq(pinned, "b7e29558-9ba9-5bee-bbef-53c14ab27ecc", "got %s", pinned);
}

Test(uuid, feature_ids_differ_by_index)
{
    char m[CS_UUID_LEN], f0[CS_UUID_LEN], f1[CS_UUID_LEN], again[CS_UUID_LEN];
    cs_uuid_message_id("w", "gong", "1", m);
    cs_uuid_feature_id(m, 0, f0);
    cs_uuid_feature_id(m, 1, f1);
    cs_uuid_feature_id(m, 0, again);
    cr_assert_str_neq(f0, f1);
    cr_assert_str_eq(f0, again);
}

Test(uuid, v4_and_validation)
{
    char a[CS_UUID_LEN], b[CS_UUID_LEN];
    cs_uuid_v4(a);
    cs_uuid_v4(b);
    cr_assert_str_neq(a, b);
    cr_assert(cs_uuid_valid(a));
    cr_assert_eq(a[14], '4');
    cr_assert(!cs_uuid_valid("not-a-uuid"));
    cr_assert(!cs_uuid_valid("647ab033-6d10-4a35-9ace-0399052ec87"));
    cr_assert(!cs_uuid_valid("647ab033x6d10-4a35-9ace-0399052ec874"));
    cr_assert(!cs_uuid_valid("647ab033-6d10-4a35-9ace-0399052ec87g"));
    cr_assert(!cs_uuid_valid(NULL));
}

Test(uuid, valid_takes_the_canonical_form_in_either_case_and_nothing_else)
{
    cr_expect(cs_uuid_valid("647ab033-6d10-4a35-9ace-0399052ec874"));
    cr_expect(cs_uuid_valid("647AB033-6D10-4A35-9ACE-0399052EC874"));
    cr_expect(!cs_uuid_valid(NULL));
    cr_expect(!cs_uuid_valid(""));
    cr_expect(!cs_uuid_valid("647ab033-6d10-4a35-9ace-0399052ec87"));
    cr_expect(!cs_uuid_valid("647ab033-6d10-4a35-9ace-0399052ec8745"));
    cr_expect(!cs_uuid_valid("647ab0336d104a359ace0399052ec874"));
    cr_expect(!cs_uuid_valid("{647ab033-6d10-4a35-9ace-0399052ec874}"));
    cr_expect(!cs_uuid_valid("647ab033-6d10-4a35-9ace-0399052ec87g"));
    cr_expect(!cs_uuid_valid("647ab033_6d10-4a35-9ace-0399052ec874"));
    /* the n-byte form reads exactly n bytes */
    const char *longer = "647ab033-6d10-4a35-9ace-0399052ec874trailing";
    cr_expect(cs_uuid_valid_n(longer, 36));
    cr_expect(!cs_uuid_valid_n(longer, 37));
    cr_expect(!cs_uuid_valid_n(longer, 35));
}
