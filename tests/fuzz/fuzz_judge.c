/*  Fuzz target: an LLM judge's answer (the message content) through cs_judge_parse, against two
    fixed candidates (cs_fuzz_candidates).

    Each answer is parsed as a json_object answer and as a json_schema one. Invariants: a refused
    answer says why; an answer accepted in json_schema mode is accepted in json_object mode too;
    an accepted verdict has a confidence and a runner_up_confidence from 0 to 1, and
    a duplicate names one of the candidates' ids exactly (an answer can never link a request to
    a feature the matcher did not offer); a non-duplicate names none. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cs_fuzz.h"
#include "cs_judge.h"
#include "cs_record.h"

static json_t *s_candidates;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    cs_fuzz_quiet();
    s_candidates = cs_fuzz_candidates();
    if (!s_candidates)
        cs_fuzz_fail("fixtures");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *content = malloc(size + 1);
    if (!content)
        return 0;
    memcpy(content, data, size);
    content[size] = '\0';

    bool accepted[2] = {false, false};
    for (int strict = 0; strict < 2; strict++) {
        cs_verdict_t v;
        char err[512];
        err[0] = '\0';
        if (cs_judge_parse(content, s_candidates, strict, &v, err, sizeof err) != 0) {
            if (!err[0])
                cs_fuzz_fail("a refused answer without a reason");
            continue;
        }
        accepted[strict] = true;
        if (!(v.confidence >= 0 && v.confidence <= 1) || isnan(v.confidence))
            cs_fuzz_fail("confidence %g accepted", v.confidence);
        if (!(v.runner_up_confidence >= 0 && v.runner_up_confidence <= 1))
            cs_fuzz_fail("runner_up_confidence %g accepted", v.runner_up_confidence);
        if (!memchr(v.reasoning, '\0', sizeof v.reasoning) ||
            !memchr(v.matching_feature_id, '\0', sizeof v.matching_feature_id))
            cs_fuzz_fail("a verdict string is not terminated");
        if (v.is_duplicate) {
            if (strcmp(v.matching_feature_id, CS_FUZZ_CANDIDATE_1) != 0 &&
                strcmp(v.matching_feature_id, CS_FUZZ_CANDIDATE_2) != 0)
                cs_fuzz_fail("a duplicate of '%s', which is no candidate", v.matching_feature_id);
        } else if (v.matching_feature_id[0]) {
            cs_fuzz_fail("a non-duplicate names feature '%s'", v.matching_feature_id);
        }
    }
    if (accepted[1] && !accepted[0])
        cs_fuzz_fail("accepted as json_schema but refused as json_object");
    free(content);
    return 0;
}
