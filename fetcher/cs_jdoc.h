/*  cs_jdoc: a JSON text parsed once into a flat array of nodes, for the replay's hot path.

    A document is made to be reused: parsing the next text reuses the node array and the string
    arena of the last one, so a stream of lines costs no allocation per value once the buffers
    have grown to the longest line. A node's strings point into the text itself when they hold
    no escape, else into the arena: the text must outlive the nodes read from it.

    The parser takes a strict subset of what jansson's json_loadb(JSON_DECODE_ANY |
    JSON_ALLOW_NUL) takes, and reads it into the same values: whatever it refuses (invalid JSON,
    but also what it leaves to jansson: a \u0000 escape, an integer of more than 18 digits, a
    real that overflows, a duplicate key, an object of more than CS_JDOC_MAX_MEMBERS members,
    nesting deeper than CS_JDOC_MAX_DEPTH) makes cs_jdoc_parse return -1, and the caller parses
    the text with jansson instead, for jansson's verdict and error message. So every text it
    takes, cs_jdoc_to_json(root) equals json_loadb's tree, member order included.

    Layout: the nodes of a value's subtree follow it in document order. A container's first
    child is the node right after it; the node after any value's subtree is nodes[end]. An
    object's children come in pairs: the key (a string node), then its value. */
#ifndef CS_JDOC_H
#define CS_JDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CS_JDOC_MAX_DEPTH   64 /* containers nested deeper are left to jansson */
#define CS_JDOC_MAX_MEMBERS 64 /* objects with more members are left to jansson */

typedef enum {
    CS_JDOC_NULL,
    CS_JDOC_FALSE,
    CS_JDOC_TRUE,
    CS_JDOC_INT,
    CS_JDOC_REAL,
    CS_JDOC_STRING,
    CS_JDOC_ARRAY,
    CS_JDOC_OBJECT
} cs_jdoc_type_t;

typedef struct {
    uint8_t type; /* cs_jdoc_type_t */
    uint32_t len; /* a string's bytes (no NUL among them), a container's items or members */
    uint32_t end; /* index of the node after this one's subtree */
    union {
        long long i;
        double d;
        const char *s; /* not NUL-terminated: len bytes of valid UTF-8 */
    } v;
} cs_jnode_t;

typedef struct cs_jdoc cs_jdoc_t;

/* An empty document, or NULL when out of memory. Destroy with cs_jdoc_destroy. */
cs_jdoc_t *cs_jdoc_new(void);

/* Free it and NULL the pointer; accepts NULL and a NULL *self_p. */
void cs_jdoc_destroy(cs_jdoc_t **self_p);

/* Parse `len` bytes of `text` (borrowed; it must stay unchanged while the nodes are read),
   replacing what the document held. Returns 0, or -1 when the text is not one this parser
   takes (see above: give it to jansson) or memory runs out; the document is then empty. */
int cs_jdoc_parse(cs_jdoc_t *self, const char *text, size_t len);

/* The root value of the last parse, or NULL when it failed. */
const cs_jnode_t *cs_jdoc_root(const cs_jdoc_t *self);

/* The first child of a container (for an object, its first key), or NULL when it is empty. */
const cs_jnode_t *cs_jdoc_first(const cs_jdoc_t *self, const cs_jnode_t *node);

/* The node after `node`'s subtree among its siblings: the next item of an array, or from a
   value the next key of an object. Only valid while a sibling remains (use the counts). */
const cs_jnode_t *cs_jdoc_next(const cs_jdoc_t *self, const cs_jnode_t *node);

/* The value of member `key` of object `obj`, or NULL when obj is not an object (or NULL) or
   has no such member. */
const cs_jnode_t *cs_jdoc_get(const cs_jdoc_t *self, const cs_jnode_t *obj, const char *key);

/* True when `node` is a string equal to the NUL-terminated `s`. */
bool cs_jdoc_is(const cs_jnode_t *node, const char *s);

/* The value as a new jansson tree (the caller releases it with json_decref), leaving out the
   member named `skip` when node is an object and skip is not NULL. NULL when out of memory. */
json_t *cs_jdoc_to_json(const cs_jdoc_t *self, const cs_jnode_t *node, const char *skip);

#endif
