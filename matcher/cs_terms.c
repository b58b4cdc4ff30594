#include "cs_terms.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>

/* English stop words, apostrophes removed. Sorted (bsearch). */
static const char *const s_stop[] = {
    "a",         "about",   "above",    "after",      "again",  "against", "all",    "am",
    "an",        "and",     "any",      "are",        "arent",  "as",      "at",     "be",
    "because",   "been",    "before",   "being",      "below",  "between", "both",   "but",
    "by",        "can",     "cannot",   "cant",       "could",  "couldnt", "did",    "didnt",
    "do",        "does",    "doesnt",   "doing",      "dont",   "down",    "during", "each",
    "few",       "for",     "from",     "further",    "had",    "hadnt",   "has",    "hasnt",
    "have",      "havent",  "having",   "he",         "her",    "here",    "hers",   "herself",
    "him",       "himself", "his",      "how",        "i",      "id",      "if",     "ill",
    "im",        "in",      "into",     "is",         "isnt",   "it",      "its",    "itself",
    "ive",       "lets",    "may",      "me",         "might",  "more",    "most",   "must",
    "mustnt",    "my",      "myself",   "no",         "nor",    "not",     "of",     "off",
    "on",        "once",    "only",     "or",         "other",  "ought",   "our",    "ours",
    "ourselves", "out",     "over",     "own",        "same",   "shall",   "she",    "should",
    "shouldnt",  "so",      "some",     "such",       "than",   "that",    "thats",  "the",
    "their",     "theirs",  "them",     "themselves", "then",   "there",   "theres", "these",
    "they",      "theyd",   "theyll",   "theyre",     "theyve", "this",    "those",  "through",
    "to",        "too",     "under",    "until",      "up",     "very",    "was",    "wasnt",
    "we",        "wed",     "well",     "were",       "werent", "weve",    "what",   "whats",
    "when",      "where",   "which",    "while",      "who",    "whom",    "why",    "will",
    "with",      "wont",    "would",    "wouldnt",    "you",    "youd",    "youll",  "your",
    "youre",     "yours",   "yourself", "yourselves", "youve",
};

/* The filler of speech and of asking politely. Sorted. */
static const char *const s_filler[] = {
    "able",    "actually", "almost",     "already",  "also",     "always",    "anybody",
    "anyone",  "anything", "basically",  "bit",      "chance",   "currently", "definitely",
    "ever",    "every",    "everything", "great",    "guess",    "honestly",  "just",
    "kind",    "know",     "like",       "lot",      "lots",     "love",      "maybe",
    "mean",    "need",     "needed",     "needs",    "nothing",  "now",       "ok",
    "okay",    "one",      "ones",       "please",   "probably", "really",    "right",
    "roadmap", "said",     "say",        "somebody", "someone",  "something", "soon",
    "sort",    "still",    "stuff",      "thing",    "things",   "think",     "today",
    "uh",      "um",       "us",         "want",     "wanted",   "way",       "wish",
    "yeah",
};

/* The verbs and nouns of asking. Sorted. */
static const char *const s_ask[] = {
    "ability", "add",         "adding",     "allow",    "allowing", "better",
    "enable",  "enabling",    "feature",    "features", "get",      "help",
    "improve", "improvement", "let",        "make",     "new",      "option",
    "options", "possibility", "possible",   "proper",   "provide",  "see",
    "show",    "support",     "supporting", "use",      "using",
};

/* Words that name the same thing in a product request, as stems (Snowball English), each with
   the stem that stands for its class: "Slack alerts" and "Notifications in Slack" are one
   request, "Connect the system to Zapier" and "Zapier integration" another. Written from the
   vocabulary of software requests, not from any evaluation set, and measured as a whole on the
   development data, not class by class (docs/QUALITY.md, "What each piece added"). Sorted by
   stem. */
typedef struct {
    const char *stem, *as;
} s_alike_t;

static const s_alike_t s_alike[] = {
    {"alert", "notif"},       {"answer", "repli"},      {"assign", "assign"},
    {"barcod", "barcod"},     {"connect", "integr"},    {"connector", "integr"},
    {"csv", "spreadsheet"},   {"dashboard", "report"},  {"distribut", "assign"},
    {"download", "export"},   {"dump", "export"},       {"emot", "sentiment"},
    {"esign", "sign"},        {"excel", "spreadsheet"}, {"imag", "photo"},
    {"integr", "integr"},     {"mood", "sentiment"},    {"notif", "notif"},
    {"notifi", "notif"},      {"okta", "sso"},          {"permiss", "permiss"},
    {"pictur", "photo"},      {"ping", "notif"},        {"printer", "print"},
    {"privileg", "permiss"},  {"propos", "suggest"},    {"recap", "summari"},
    {"recommend", "suggest"}, {"repli", "repli"},       {"report", "report"},
    {"role", "permiss"},      {"rout", "assign"},       {"saml", "sso"},
    {"scan", "barcod"},       {"scanner", "barcod"},    {"sentiment", "sentiment"},
    {"sign", "sign"},         {"signatur", "sign"},     {"spreadsheet", "spreadsheet"},
    {"sso", "sso"},           {"suggest", "suggest"},   {"summar", "summari"},
    {"summari", "summari"},   {"summaris", "summari"},  {"sync", "integr"},
    {"synchron", "integr"},   {"synchronis", "integr"}, {"xlsx", "spreadsheet"},
};

static int s_alike_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const s_alike_t *)elem)->stem);
}

/* The stem that stands for `stem`'s class, or `stem` itself. */
static const char *s_class_of(const char *stem)
{
    const s_alike_t *a =
        bsearch(stem, s_alike, sizeof s_alike / sizeof *s_alike, sizeof *s_alike, s_alike_cmp);
    return a ? a->as : stem;
}

static int s_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool s_in(const char *w, const char *const *list, size_t n)
{
    return bsearch(&w, list, n, sizeof *list, s_cmp) != NULL;
}

#define S_IN(w, list) s_in((w), (list), sizeof(list) / sizeof *(list))

int cs_terms_dropped(const char *word)
{
    return S_IN(word, s_stop) || S_IN(word, s_filler);
}

static bool s_wordch(unsigned char c)
{
    return isalnum(c) || c >= 0x80;
}

/* Lowercase `w` (len bytes), drop a final "'s" and the apostrophes, into out (NUL-terminated).
   Returns the new length. */
static size_t s_fold(const char *w, size_t len, char *out)
{
    if (len > 2 && w[len - 2] == '\'' && (w[len - 1] == 's' || w[len - 1] == 'S'))
        len -= 2;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (w[i] != '\'')
            out[n++] = (char)tolower((unsigned char)w[i]);
    out[n] = '\0';
    return n;
}

int cs_terms_each(const char *text, cs_terms_fn fn, void *arg)
{
    if (!text)
        return 0;
    struct sb_stemmer *st = sb_stemmer_new("english", "UTF_8");
    if (!st)
        return -1;
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        while (*p && !s_wordch(*p))
            p++;
        if (!*p)
            break;
        /* one word: letters and digits, inner apostrophes, cut at a camelCase boundary */
        const unsigned char *start = p;
        while (*p) {
            if (s_wordch(*p)) {
                p++;
                if (*p && isupper(*p) && islower(p[-1]))
                    break;
            } else if (*p == '\'' && s_wordch(p[1]) && p > start) {
                p++;
            } else {
                break;
            }
        }
        size_t len = (size_t)(p - start);
        if (len > CS_TERMS_MAX_WORD)
            len = CS_TERMS_MAX_WORD;
        char word[CS_TERMS_MAX_WORD + 1];
        if (s_fold((const char *)start, len, word) == 0 || cs_terms_dropped(word))
            continue;
        float weight = S_IN(word, s_ask) ? CS_TERMS_ASK_WEIGHT : 1.0f;
        const sb_symbol *stem = sb_stemmer_stem(st, (const sb_symbol *)word, (int)strlen(word));
        if (!stem) {
            sb_stemmer_delete(st);
            return -1;
        }
        int n = sb_stemmer_length(st);
        char buf[CS_TERMS_MAX_WORD * 2 + 1];
        if (n <= 0 || (size_t)n >= sizeof buf)
            continue;
        memcpy(buf, stem, (size_t)n);
        buf[n] = '\0';
        const char *term = s_class_of(buf);
        fn(arg, term, strlen(term), weight);
    }
    sb_stemmer_delete(st);
    return 0;
}
