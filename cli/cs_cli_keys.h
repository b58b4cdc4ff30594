/*  cs_cli_keys: `callsift keys generate DIR`, the CURVE certificates of a pipeline.

    Writes czmq certificates (zcert_save: "NAME" holds the public key, "NAME_secret" both keys,
    mode 0600) for two identities, and the directory of clients the bound sockets let in:

        DIR/server             the certificate of the stages that bind (fetcher, matcher,
        DIR/server_secret      writer). They present it on their bound sockets, and use it as
                               their client identity where they connect to one another
                               (fetcher -> writer's acks, writer -> matcher's decisions).
        DIR/extractor          the certificate of the extractors (all of them: they scale, so
        DIR/extractor_secret   they share one identity).
        DIR/allowed/server     copies of the two public certificates: the clients allowed on
        DIR/allowed/extractor  the bound sockets (--curve-allowed of the binding stages).

    One server certificate for the three binding stages is what lets every connecting stage
    name its server with one --curve-server-key: the extractors connect to the fetcher and to
    the matcher, the writer to the matcher, the fetcher to the writer. The flags each stage
    takes:

        fetcher    --curve-secret-key DIR/server_secret    --curve-server-key DIR/server
                   --curve-allowed DIR/allowed
        matcher    --curve-secret-key DIR/server_secret    --curve-allowed DIR/allowed
        writer     --curve-secret-key DIR/server_secret    --curve-server-key DIR/server
                   --curve-allowed DIR/allowed
        extractor  --curve-secret-key DIR/extractor_secret --curve-server-key DIR/server

    So server_secret goes to the hosts of the fetcher, matcher and writer only, and
    extractor_secret to the extractors' hosts only; the public files may go anywhere. A client
    is revoked by removing its file from allowed/ (the stages reload the directory when it
    changes), and another can be let in by copying its public certificate there.

    The command refuses to write over any of these files (a stage still using the old
    certificates would no longer be let in); --force replaces them. Other files in allowed/ are
    left alone. It prints what it wrote, the public keys and each stage's flags; never a secret
    key. */
#ifndef CS_CLI_KEYS_H
#define CS_CLI_KEYS_H

#include "cs_cli_common.h"

extern const cs_option_t cs_cli_keys_generate_options[];

/* Generate the certificates into the directory that is the command's argument (or --dir),
   creating it (and allowed/) when missing. Needs no database. */
int cs_cli_keys_generate(cs_cli_t *cli);

#endif
