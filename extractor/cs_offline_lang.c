/*  cs_offline_lang: the language of a call, offline (see cs_offline_lang.h). */
#include "cs_offline_lang.h"

#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cs_record.h"
#include "cs_speakers.h"

/* Below this much evidence (word hits; letters count less) a text is "en", unsure. */
#define S_MIN_EVIDENCE 6.0
/* From this much evidence the confidence is no longer scaled down. */
#define S_FULL_EVIDENCE 20.0
/* A text whose English evidence reaches this share of the leading language's is English:
   customers who switch to English for part of a call are extracted. */
#define S_ENGLISH_SHARE 0.25
/* What a word's most telling characteristic letter weighs against one frequent word (a word
   of more than S_MAX_WORD bytes counts nothing, so a run of letters cannot outvote a text). */
#define S_LETTER_WEIGHT 0.5
/* Longer tokens are no frequent word. */
#define S_MAX_WORD 24

enum { S_EN, S_DE, S_ES, S_FR, S_PT, S_IT, S_NL };

static const char *const s_code[CS_OFFLINE_LANG_COUNT] = {"en", "de", "es", "fr", "pt", "it", "nl"};
static const char *const s_name[CS_OFFLINE_LANG_COUNT] = {
    "English", "German", "Spanish", "French", "Portuguese", "Italian", "Dutch"};

/* Very frequent words of each language, lower case, UTF-8, NULL-terminated. Apostrophes split
   words, so the pieces of "don't", "c'est", "l'équipe", "dell'app" are here too. */
/* clang-format off */
static const char *const s_en[] = {
    "the", "and", "to", "of", "is", "that", "it", "we", "you", "for", "with", "this", "have",
    "can", "would", "be", "are", "not", "but", "so", "what", "they", "our", "just", "like",
    "there", "do", "on", "i", "my", "was", "if", "yeah", "at", "an", "all", "from", "about",
    "will", "your", "how", "when", "which", "been", "also", "really", "need", "want", "because",
    "t", "s", "ll", "ve", "re", "m", "don", "doesn", "isn", "didn", "it", "could", "should",
    "something", "think", "right", "know", NULL};
static const char *const s_de[] = {
    "der", "die", "das", "und", "ist", "nicht", "wir", "ich", "sie", "es", "ein", "eine",
    "einen", "einem", "einer", "mit", "auf", "für", "den", "dem", "auch", "zu", "von", "sich",
    "haben", "hat", "habe", "wird", "werden", "kann", "können", "brauchen", "aber", "oder",
    "noch", "schon", "gibt", "bei", "dass", "was", "wie", "uns", "unsere", "unser", "unseren",
    "sehr", "mal", "ja", "genau", "nur", "wenn", "jetzt", "immer", "hier", "im", "ob", "sind",
    "würde", "wäre", "gerne", "gern", "keine", "kein", "nach", "man", "muss", "müssen", "dann",
    "doch", "eigentlich", "wirklich", "vielleicht", "alle", "heißt", "weil", NULL};
static const char *const s_es[] = {
    "el", "la", "los", "las", "que", "de", "y", "en", "es", "un", "una", "no", "por", "para",
    "con", "lo", "se", "del", "al", "nos", "nosotros", "pero", "más", "muy", "está", "están",
    "tenemos", "necesitamos", "podemos", "también", "cuando", "porque", "como", "qué", "sí",
    "bueno", "hay", "eso", "esto", "este", "esta", "ya", "sería", "puede", "nuestro",
    "nuestra", "nuestros", "mucho", "ahora", "todo", "todos", "hacer", "tiene", "son", "pues",
    "entonces", "gracias", "yo", "usted", "ustedes", "vale", "claro", NULL};
static const char *const s_fr[] = {
    "le", "la", "les", "de", "des", "du", "et", "est", "un", "une", "que", "qui", "ne", "pas",
    "en", "pour", "avec", "nous", "vous", "je", "il", "on", "ce", "cette", "dans", "sur",
    "mais", "ou", "plus", "très", "aussi", "avoir", "faut", "fait", "c", "l", "d", "j", "n",
    "qu", "sont", "être", "notre", "nos", "peut", "bien", "oui", "alors", "comme", "ça", "au",
    "aux", "tout", "tous", "avons", "pouvez", "voudrais", "serait", "parce", "quand", "donc",
    "merci", "ils", "leur", "moi", "enfin", "voilà", "y", NULL};
static const char *const s_pt[] = {
    "o", "a", "os", "as", "que", "de", "e", "em", "um", "uma", "não", "para", "com", "do", "da",
    "dos", "das", "no", "na", "nos", "por", "se", "mais", "muito", "mas", "é", "está", "temos",
    "precisamos", "também", "quando", "porque", "como", "isso", "isto", "você", "vocês", "nós",
    "ter", "seria", "pode", "ao", "sim", "já", "eu", "nosso", "nossa", "nossos", "então",
    "agora", "tudo", "todos", "fazer", "tem", "são", "obrigado", "obrigada", "gente", "ele",
    "ela", "aqui", "bem", "uns", NULL};
static const char *const s_it[] = {
    "il", "lo", "la", "i", "gli", "le", "di", "e", "è", "che", "un", "una", "non", "per", "con",
    "del", "della", "dei", "nel", "nella", "sono", "anche", "ma", "più", "molto", "abbiamo",
    "possiamo", "noi", "voi", "questo", "questa", "come", "quando", "perché", "sì", "già",
    "cosa", "ci", "ho", "hai", "se", "sarebbe", "bisogno", "l", "dell", "all", "nell", "c",
    "allora", "quindi", "tutto", "tutti", "fare", "ha", "io", "nostro", "nostra", "nostri",
    "grazie", "ecco", "adesso", "essere", "vorremmo", NULL};
static const char *const s_nl[] = {
    "de", "het", "een", "en", "van", "is", "dat", "niet", "ik", "we", "wij", "je", "jij", "ze",
    "op", "te", "voor", "met", "zijn", "er", "maar", "ook", "als", "dan", "nog", "wel",
    "kunnen", "moeten", "hebben", "heb", "wat", "hoe", "onze", "ons", "graag", "heel", "nu",
    "alleen", "dit", "die", "bij", "naar", "geen", "mee", "hebt", "heeft", "wordt", "worden",
    "zou", "zouden", "willen", "kan", "moet", "omdat", "eigenlijk", "misschien", "dus", "goed",
    "ja", "even", "gewoon", "jullie", "uw", NULL};
/* clang-format on */

static const char *const *const s_words[CS_OFFLINE_LANG_COUNT] = {s_en, s_de, s_es, s_fr,
                                                                  s_pt, s_it, s_nl};

/* Characteristic letters (lower case, UTF-8) and the languages that write them. */
static const struct {
    const char *utf8;
    unsigned langs; /* bit per language */
} s_letters[] = {
    {"\xc3\x9f", 1u << S_DE},                           /* ß */
    {"\xc3\xa4", 1u << S_DE},                           /* ä */
    {"\xc3\xb6", 1u << S_DE},                           /* ö */
    {"\xc3\xbc", 1u << S_DE},                           /* ü */
    {"\xc3\xb1", 1u << S_ES},                           /* ñ */
    {"\xc2\xbf", 1u << S_ES},                           /* ¿ */
    {"\xc2\xa1", 1u << S_ES},                           /* ¡ */
    {"\xc3\xa1", 1u << S_ES | 1u << S_PT},              /* á */
    {"\xc3\xad", 1u << S_ES | 1u << S_PT},              /* í */
    {"\xc3\xb3", 1u << S_ES | 1u << S_PT},              /* ó */
    {"\xc3\xba", 1u << S_ES | 1u << S_PT},              /* ú */
    {"\xc3\xa3", 1u << S_PT},                           /* ã */
    {"\xc3\xb5", 1u << S_PT},                           /* õ */
    {"\xc3\xa7", 1u << S_PT | 1u << S_FR},              /* ç */
    {"\xc3\xa9", 1u << S_FR | 1u << S_ES | 1u << S_PT}, /* é */
    {"\xc3\xa8", 1u << S_FR | 1u << S_IT},              /* è */
    {"\xc3\xaa", 1u << S_FR | 1u << S_PT},              /* ê */
    {"\xc3\xa0", 1u << S_FR | 1u << S_IT | 1u << S_PT}, /* à */
    {"\xc3\xb9", 1u << S_FR | 1u << S_IT},              /* ù */
    {"\xc3\xa2", 1u << S_FR | 1u << S_PT},              /* â */
    {"\xc3\xae", 1u << S_FR},                           /* î */
    {"\xc3\xbb", 1u << S_FR},                           /* û */
    {"\xc3\xb4", 1u << S_FR | 1u << S_PT},              /* ô */
    {"\xc5\x93", 1u << S_FR},                           /* œ */
    {"\xc3\xb2", 1u << S_IT},                           /* ò */
    {"\xc3\xac", 1u << S_IT},                           /* ì */
};

/* The frequent words of all languages in one hash table (open addressing), each with the bit
   of every language that lists it: built once, on first use. */
#define S_TABLE 2048 /* slots: a power of two, more than twice the words of all lists */

static struct {
    const char *w; /* NULL: an empty slot */
    size_t n;
    unsigned langs;
} s_table[S_TABLE];
static pthread_once_t s_table_once = PTHREAD_ONCE_INIT;

/* The slot of word w[0..n): where it is, or the empty slot where it would go. */
static size_t s_slot(const char *w, size_t n)
{
    uint32_t h = 0x811c9dc5u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)w[i]) * 0x01000193u;
    size_t k = h & (S_TABLE - 1);
    while (s_table[k].w && !(s_table[k].n == n && memcmp(s_table[k].w, w, n) == 0))
        k = (k + 1) & (S_TABLE - 1);
    return k;
}

static void s_table_build(void)
{
    size_t used = 0;
    for (int l = 0; l < CS_OFFLINE_LANG_COUNT; l++)
        for (const char *const *w = s_words[l]; *w; w++) {
            size_t k = s_slot(*w, strlen(*w));
            if (!s_table[k].w) {
                used++;
                assert(used < S_TABLE / 2); /* else S_TABLE is too small for the lists */
                (void)used;
                s_table[k].w = *w;
                s_table[k].n = strlen(*w);
            }
            s_table[k].langs |= 1u << l;
        }
}

/* One word (lower case) counts a share to each language that lists it. */
static void s_word(cs_offline_lang_counts_t *c, const char *w, size_t n)
{
    pthread_once(&s_table_once, s_table_build);
    unsigned langs = s_table[s_slot(w, n)].langs;
    int k = __builtin_popcount(langs);
    for (int l = 0; l < CS_OFFLINE_LANG_COUNT && k > 0; l++)
        if (langs & (1u << l))
            c->words[l] += 1.0 / k;
}

/* The languages of a two-byte sequence (lower case) if it is a characteristic letter, else 0. */
static unsigned s_letter(unsigned char b0, unsigned char b1)
{
    for (size_t i = 0; i < sizeof s_letters / sizeof s_letters[0]; i++) {
        const unsigned char *u = (const unsigned char *)s_letters[i].utf8;
        if (u[0] == b0 && u[1] == b1)
            return s_letters[i].langs;
    }
    return 0;
}

/* The end of a word: its frequent-word share, and the share of its most telling letter. */
static void s_word_end(cs_offline_lang_counts_t *c, const char *w, size_t n, bool too_long,
                       unsigned letters)
{
    if (too_long || n == 0)
        return;
    s_word(c, w, n);
    int k = __builtin_popcount(letters);
    for (int l = 0; l < CS_OFFLINE_LANG_COUNT && k > 0; l++)
        if (letters & (1u << l))
            c->letters[l] += S_LETTER_WEIGHT / k;
}

/* Keep the more telling (fewer languages) of two letter masks. */
static unsigned s_telling(unsigned had, unsigned seen)
{
    if (!seen)
        return had;
    if (!had || __builtin_popcount(seen) < __builtin_popcount(had))
        return seen;
    return had;
}

void cs_offline_lang_feed(cs_offline_lang_counts_t *c, const char *text, size_t n)
{
    if (!text || c->bytes >= CS_OFFLINE_LANG_MAX_TEXT)
        return;
    if (n > CS_OFFLINE_LANG_MAX_TEXT - c->bytes)
        n = CS_OFFLINE_LANG_MAX_TEXT - c->bytes;
    c->bytes += n;
    const unsigned char *b = (const unsigned char *)text;
    char word[S_MAX_WORD + 1];
    size_t len = 0;
    bool too_long = false;
    unsigned letters = 0; /* the most telling letter of the word so far (¿ ¡ before it count) */
    for (size_t i = 0; i <= n; i++) {
        unsigned char ch = i < n ? b[i] : ' ';
        unsigned char lower[2];
        size_t take = 0;
        if (ch >= 'A' && ch <= 'Z') {
            lower[0] = (unsigned char)(ch + 32);
            take = 1;
        } else if (ch >= 'a' && ch <= 'z') {
            lower[0] = ch;
            take = 1;
        } else if ((ch == 0xc3 || ch == 0xc5) && i + 1 < n && (b[i + 1] & 0xc0) == 0x80) {
            /* Latin-1 letters: upper case C3 80..9E (but 97, the sign x) lowers by 0x20;
               Œ (C5 92) to œ (C5 93); the sign ÷ (C3 B7) separates */
            unsigned char t = b[i + 1];
            if (ch == 0xc3 && t >= 0x80 && t <= 0x9e && t != 0x97 && t != 0x9f)
                t = (unsigned char)(t + 0x20);
            else if (ch == 0xc5 && t == 0x92)
                t = 0x93;
            lower[0] = ch;
            lower[1] = t;
            take = ch == 0xc3 && (t == 0x97 || t == 0xb7) ? 0 : 2;
        } else if (ch >= 0x80 && (ch & 0xc0) != 0x80 && ch != 0xc2) {
            /* another script's letter, or a broken sequence: part of a word, in no list */
            lower[0] = ch;
            take = 1;
        } else if ((ch & 0xc0) == 0x80 && len > 0) {
            lower[0] = ch; /* continuation byte of a letter kept above */
            take = 1;
        }
        if (take == 0) {
            s_word_end(c, word, len, too_long, letters);
            len = 0;
            too_long = false;
            letters = 0;
            if (ch == 0xc2 && i + 1 < n) {
                letters = s_letter(ch, b[i + 1]); /* ¿ ¡ tell about the next word */
                i++;
            } else if ((ch == 0xc3 || ch == 0xc5) && i + 1 < n) {
                i++;
            }
            continue;
        }
        if (take == 2) {
            letters = s_telling(letters, s_letter(lower[0], lower[1]));
            i++;
        }
        if (len + take > S_MAX_WORD) {
            too_long = true;
            continue;
        }
        memcpy(word + len, lower, take);
        len += take;
    }
}

const char *cs_offline_lang_result(const cs_offline_lang_counts_t *c, double *confidence)
{
    double score[CS_OFFLINE_LANG_COUNT], total = 0;
    int best = S_EN;
    for (int l = 0; l < CS_OFFLINE_LANG_COUNT; l++) {
        score[l] = c->words[l] + (c->letters[l] < c->words[l] ? c->letters[l] : c->words[l]);
        total += score[l];
        if (score[l] > score[best])
            best = l;
    }
    double conf;
    if (total < S_MIN_EVIDENCE) {
        best = S_EN;
        conf = 0.5 * total / S_MIN_EVIDENCE * (total > 0 ? score[S_EN] / total : 0);
    } else if (best == S_EN || score[S_EN] >= S_ENGLISH_SHARE * score[best]) {
        conf = score[S_EN] / (score[S_EN] + (best == S_EN ? 0 : score[best]));
        best = S_EN;
    } else {
        /* how much of the evidence is not English, scaled down while there is little */
        double scale = total < S_FULL_EVIDENCE ? total / S_FULL_EVIDENCE : 1.0;
        conf = (1.0 - score[S_EN] / total) * scale;
    }
    if (confidence)
        *confidence = conf;
    return s_code[best];
}

const char *cs_offline_lang_detect(const char *text, size_t n, double *confidence)
{
    cs_offline_lang_counts_t c = {0};
    cs_offline_lang_feed(&c, text, n);
    return cs_offline_lang_result(&c, confidence);
}

const char *cs_offline_lang_name(const char *code)
{
    for (int l = 0; code && l < CS_OFFLINE_LANG_COUNT; l++)
        if (strcmp(code, s_code[l]) == 0)
            return s_name[l];
    return "unknown";
}

static int s_set(json_t *obj, const char *key, json_t *value)
{
    return value ? json_object_set_new(obj, key, value) : -1;
}

int cs_offline_lang_gate(const json_t *call, const char **lang, json_t **insights)
{
    *insights = NULL;
    *lang = "en";
    cs_speakers_t sp;
    cs_speakers_resolve(call, &sp);
    cs_offline_lang_counts_t c = {0};
    const json_t *transcript = json_object_get(call, "transcript");
    for (size_t i = 0; i < json_array_size(transcript); i++) {
        const json_t *utt = json_array_get(transcript, i);
        const char *text = cs_rec_str(utt, "text");
        if (text && cs_speakers_is_customer(&sp, utt))
            cs_offline_lang_feed(&c, text, strlen(text));
    }
    cs_speakers_free(&sp);
    double conf;
    const char *code = cs_offline_lang_result(&c, &conf);
    if (strcmp(code, "en") == 0 || conf < CS_OFFLINE_LANG_SKIP)
        return 0;
    *lang = code;
    char why[160];
    snprintf(why, sizeof why,
             "not extracted offline: the call is in %s (%s); an LLM provider extracts it",
             cs_offline_lang_name(code), code);
    json_t *out = json_object();
    if (!out || s_set(out, "feature_requests", json_array()) != 0 ||
        s_set(out, "bug_reports", json_array()) != 0 ||
        s_set(out, "sentiment", json_pack("{s:s, s:f}", "overall", "neutral", "score", 0.0)) != 0 ||
        s_set(out, "pain_points", json_array()) != 0 ||
        s_set(out, "summary", json_string(why)) != 0 ||
        s_set(out, "language", json_string(code)) != 0 ||
        s_set(out, "skipped", json_string(why)) != 0) {
        json_decref(out);
        return -1;
    }
    *insights = out;
    return 1;
}
