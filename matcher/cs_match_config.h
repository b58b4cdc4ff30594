/*  cs_match_config: the matcher's providers from its options.

    The matcher has two provider options: --provider chooses the judge of the ambiguous band
    (cs_judge.h) and --vectors the embeddings (cs_embed.h); both are opened here from the
    shared option rows of cs_provider.h, with one client when they name the same provider. */
#ifndef CS_MATCH_CONFIG_H
#define CS_MATCH_CONFIG_H

#include <stddef.h>

#include "cs_config.h"
#include "cs_match.h"

/* The provider options of the matcher (cs_provider.h's rows, --vectors, --embedding-model,
   --embedding-dimensions, --price-embedding) into o: the providers chosen by --provider (the
   judge) and --vectors ("auto": the judge's provider) opened into o->judge and o->vectors
   (one provider when both name the same; close them with cs_match_unconfigure), the model
   names and prices, and the default bounds of the ambiguous band of those vectors into
   o->link_above and o->new_below. -1 with the reason for a usage error: a wrong choice, a
   provider that does not embed, a client that cannot start. Warns when "auto" found no
   credentials and the band goes without a judge. */
int cs_match_configure(const cs_config_t *cfg, cs_match_opts_t *o, char *err, size_t errlen);

/* Log what decides (after the caller's own options are in o): the vectors and the bounds of
   the band, and the judge. Can't fail. */
void cs_match_log_setup(const cs_config_t *cfg, const cs_match_opts_t *o);

/* Destroy the providers cs_match_configure opened and NULL them. Can't fail. */
void cs_match_unconfigure(cs_match_opts_t *o);

#endif
