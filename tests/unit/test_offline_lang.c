/* cs_offline_lang: the language of what a customer says, offline, and the offline extractor
   leaving a call that is not in English to an LLM provider. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cs_offline.h"
#include "cs_offline_lang.h"
#include "cs_record.h"

static const char *s_detect(const char *text, double *conf)
{
    return cs_offline_lang_detect(text, strlen(text), conf);
}

/* A few sentences as customers say them on a call, per language. */
static const struct {
    const char *code, *text;
} s_calls[] = {
    {"en", "Yeah so the thing is, we have about forty agents and they all work out of the same "
           "inbox. What we really need is a way to see who is already replying to a customer, "
           "because right now two people answer the same email and it looks bad."},
    {"de", "Also, bei uns ist es so, dass wir etwa vierzig Mitarbeiter im Support haben. Was wir "
           "wirklich brauchen, ist eine Anbindung an Salesforce, weil die Vertriebler sonst nicht "
           "sehen, was der Kunde geschrieben hat. Das wäre für uns sehr wichtig."},
    {"es", "Bueno, nosotros tenemos un equipo de unas veinte personas y todas usan el mismo "
           "buzón. Lo que necesitamos es que las respuestas se puedan traducir, porque muchos "
           "clientes nos escriben en portugués. ¿Eso está en el roadmap?"},
    {"fr", "Alors, chez nous c'est un peu compliqué parce que l'équipe est répartie sur trois "
           "pays. Ce qu'il nous faudrait, c'est un tableau de bord avec les délais de réponse par "
           "équipe, et aussi la possibilité d'exporter tout ça en CSV."},
    {"pt", "Então, a gente tem uns trinta atendentes e o problema é que não conseguimos ver "
           "quem já está respondendo. Seria muito bom ter uma integração com o Slack, porque o "
           "time inteiro usa isso o dia todo. Vocês têm isso?"},
    {"it", "Allora, noi abbiamo una squadra di circa quindici persone e il problema è che non "
           "riusciamo a vedere chi sta già rispondendo. Sarebbe molto utile avere i riassunti "
           "automatici delle conversazioni, perché ci vuole tanto tempo."},
    {"nl", "Nou, wij hebben ongeveer twintig mensen op de klantenservice en het probleem is dat "
           "we niet kunnen zien wie er al aan het antwoorden is. Het zou heel fijn zijn als we "
           "een koppeling met Salesforce hebben, want dat gebruiken we voor alles."},
};

Test(offline_lang, each_language_from_a_few_sentences)
{
    for (size_t i = 0; i < sizeof s_calls / sizeof s_calls[0]; i++) {
        double conf = -1;
        const char *got = s_detect(s_calls[i].text, &conf);
        cr_assert_str_eq(got, s_calls[i].code, "expected %s, got %s (%.2f)", s_calls[i].code, got,
                         conf);
        cr_assert_geq(conf, CS_OFFLINE_LANG_SKIP, "%s: confidence %.2f", got, conf);
        cr_assert_leq(conf, 1.0);
    }
}

Test(offline_lang, upper_case_and_diacritics_fold)
{
    double conf;
    cr_assert_str_eq(s_detect("WIR BRAUCHEN EINE SCHNITTSTELLE FÜR UNSERE BUCHHALTUNG, DAS IST "
                              "FÜR UNS WIRKLICH WICHTIG UND WIR HABEN ES SCHON ÖFTER GESAGT.",
                              &conf),
                     "de");
    cr_assert_geq(conf, CS_OFFLINE_LANG_SKIP);
}

Test(offline_lang, short_text_is_english_with_low_confidence)
{
    const char *shorts[] = {"Ja.",
                            "Merci!",
                            "Vale, perfecto.",
                            "Danke schön",
                            "",
                            "   ",
                            "Salesforce HubSpot Zendesk 2024",
                            "¿Qué?"};
    for (size_t i = 0; i < sizeof shorts / sizeof shorts[0]; i++) {
        double conf = 1;
        cr_assert_str_eq(s_detect(shorts[i], &conf), "en", "%s", shorts[i]);
        cr_assert_lt(conf, 0.5, "%s: %.2f", shorts[i], conf);
    }
    double conf = 1;
    cr_assert_str_eq(cs_offline_lang_detect(NULL, 0, &conf), "en");
    cr_assert_lt(conf, 0.5);
    cr_assert_str_eq(cs_offline_lang_detect("x", 1, NULL), "en"); /* confidence may be NULL */
}

Test(offline_lang, some_english_makes_a_call_english)
{
    /* a German customer who explains half of it in English */
    const char *mixed =
        "Also wir haben das schon mal getestet, aber es war nicht so einfach. The thing is, our "
        "team is spread across Munich and London, and we need the reports in one place. Das "
        "wäre wirklich gut. And if you could add a Salesforce sync, that would be great for us.";
    double conf;
    cr_assert_str_eq(s_detect(mixed, &conf), "en");
    /* English with a few foreign words ("Kindergarten", "bon appétit", "déjà vu") */
    cr_assert_str_eq(s_detect("We had a bit of a déjà vu with the last vendor, to be honest. "
                              "The onboarding felt like Kindergarten, but the reporting was "
                              "solid and that is what we need.",
                              &conf),
                     "en");
    cr_assert_geq(conf, 0.5);
}

Test(offline_lang, feeding_in_pieces_is_feeding_at_once)
{
    const char *text = s_calls[1].text;
    cs_offline_lang_counts_t c = {0};
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i += 17) /* cuts inside words and inside ä */
        cs_offline_lang_feed(&c, text + i, n - i < 17 ? n - i : 17);
    double conf;
    cr_assert_str_eq(cs_offline_lang_result(&c, &conf), "de");
}

Test(offline_lang, hostile_bytes)
{
    /* invalid UTF-8, lone continuation bytes, overlong forms, control bytes */
    const char junk[] = "\xff\xfe\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc\xc0\xaf\x01\x7f"
                        "\xc3\xc3\xc3\xc2\xc2\xc5";
    double conf = 1;
    cr_assert_str_eq(cs_offline_lang_detect(junk, sizeof junk - 1, &conf), "en");
    cr_assert_lt(conf, 0.5);
    /* the last byte starts a two-byte letter that is cut off */
    cr_assert_str_eq(cs_offline_lang_detect("f\xc3", 2, &conf), "en");

    /* 8 MB: only the first CS_OFFLINE_LANG_MAX_TEXT bytes are read (English first, then
       German, which comes too late to count) */
    size_t n = 8u << 20;
    char *big = malloc(n);
    cr_assert_not_null(big);
    const char *en = "we need the reports to be exported and that is it. ";
    const char *de = "wir brauchen das und die auch nicht mit uns. ";
    size_t i = 0;
    for (; i + strlen(en) < CS_OFFLINE_LANG_MAX_TEXT; i += strlen(en))
        memcpy(big + i, en, strlen(en));
    for (; i + strlen(de) < n; i += strlen(de))
        memcpy(big + i, de, strlen(de));
    memset(big + i, ' ', n - i);
    cs_offline_lang_counts_t c = {0};
    cs_offline_lang_feed(&c, big, n);
    cr_assert_eq(c.bytes, CS_OFFLINE_LANG_MAX_TEXT);
    cr_assert_str_eq(cs_offline_lang_result(&c, NULL), "en");
    /* an English sentence around one long run of u-umlauts */
    i = (size_t)snprintf(big, n, "We really need a better ");
    for (size_t k = 0; k < 1300; k++, i += 2)
        memcpy(big + i, "\xc3\xbc", 2);
    memcpy(big + i, " export.", 8);
    cr_assert_str_eq(cs_offline_lang_detect(big, i + 8, &conf), "en");
    /* many short words of nothing but umlauts are noise, not German */
    for (i = 0; i + 3 <= 3000; i += 3)
        memcpy(big + i, "\xc3\xbc ", 3);
    cr_assert_str_eq(cs_offline_lang_detect(big, i, &conf), "en");
    /* one endless word */
    memset(big, 'a', n);
    cr_assert_str_eq(cs_offline_lang_detect(big, n, &conf), "en");
    free(big);
}

Test(offline_lang, names)
{
    cr_assert_str_eq(cs_offline_lang_name("de"), "German");
    cr_assert_str_eq(cs_offline_lang_name("nl"), "Dutch");
    cr_assert_str_eq(cs_offline_lang_name("xx"), "unknown");
    cr_assert_str_eq(cs_offline_lang_name(NULL), "unknown");
}

/* ---- through the offline extractor --------------------------------------------------------- */

typedef struct {
    const char *affiliation, *speaker, *text;
} line_t;

static json_t *s_call(const line_t *lines, size_t n)
{
    json_t *call = cs_record_new(CS_KIND_CALL);
    cr_assert_not_null(call);
    json_object_set_new(call, "workspace_id", json_string("647ab033-6d10-4a35-9ace-0399052ec874"));
    json_object_set_new(call, "source", json_string("replay"));
    json_object_set_new(call, "external_id", json_string("call-de"));
    json_object_set_new(call, "started_at", json_string("2025-10-20T17:27:28Z"));
    json_object_set_new(call, "title", json_string("Helpdeskly / Kunde"));
    json_t *transcript = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(transcript, json_pack("{s:s, s:s, s:s, s:i, s:s}", "speaker_id",
                                                    lines[i].speaker, "speaker", lines[i].speaker,
                                                    "affiliation", lines[i].affiliation, "start_ms",
                                                    (int)(i * 5000), "text", lines[i].text));
    json_object_set_new(call, "transcript", transcript);
    return call;
}

/* Extract with the offline provider; the insights validate inside an extraction record. */
static json_t *s_extract(const json_t *call)
{
    char err[256] = "";
    cs_offline_t *offline = cs_offline_new(err, sizeof err);
    cr_assert_not_null(offline, "%s", err);
    json_t *insights = cs_offline_extract(offline, call, NULL);
    cs_offline_destroy(&offline);
    cr_assert_not_null(insights);
    json_t *rec = json_deep_copy(call);
    json_object_set_new(rec, "kind", json_string("extraction"));
    json_object_set(rec, "insights", insights);
    int rc = cs_record_validate(rec, err, sizeof err);
    cr_assert_eq(rc, 0, "insights do not validate: %s", err);
    json_decref(rec);
    return insights;
}

Test(offline_lang, a_german_call_is_left_to_an_llm)
{
    line_t lines[] = {
        {"Internal", "Steve Park", "Thanks for joining, shall we do this in English?"},
        {"External", "Jonas Weber",
         "Lieber auf Deutsch, wenn das geht. Wir brauchen wirklich eine Integration mit "
         "Salesforce, das ist für uns ein Muss."},
        {"Internal", "Steve Park", "Sure, that is on our roadmap."},
        {"External", "Jonas Weber",
         "Und die Berichte sind zu langsam, das nervt uns jeden Tag. Außerdem wäre eine "
         "Übersetzung der Antworten super, weil wir auch Kunden in Österreich haben."},
    };
    json_t *call = s_call(lines, 4);
    json_t *ins = s_extract(call);
    cr_assert_str_eq(cs_rec_str(ins, "language"), "de");
    cr_assert_str_eq(cs_rec_str(ins, "skipped"),
                     "not extracted offline: the call is in German (de); an LLM provider "
                     "extracts it");
    cr_assert_eq(json_array_size(json_object_get(ins, "feature_requests")), 0);
    cr_assert_eq(json_array_size(json_object_get(ins, "bug_reports")), 0);
    cr_assert_eq(json_array_size(json_object_get(ins, "pain_points")), 0);
    json_decref(ins);
    json_decref(call);
}

Test(offline_lang, an_english_call_says_en_and_is_extracted)
{
    /* the rep speaks German (ignored: only the customer's words count) */
    line_t lines[] = {
        {"Internal", "Steve Park",
         "Hallo und willkommen, wir können gerne auch auf Deutsch sprechen, wenn Sie möchten."},
        {"External", "Dana Lee",
         "English is fine. We really need a way to sync tickets with "
         "Salesforce, that is the main thing for us."},
    };
    json_t *call = s_call(lines, 2);
    json_t *ins = s_extract(call);
    cr_assert_str_eq(cs_rec_str(ins, "language"), "en");
    cr_assert_null(json_object_get(ins, "skipped"));
    cr_assert_eq(json_array_size(json_object_get(ins, "feature_requests")), 1);
    json_decref(ins);
    json_decref(call);
}

Test(offline_lang, a_customer_who_switches_to_english_is_extracted)
{
    line_t lines[] = {
        {"External", "Jonas Weber",
         "Also bei uns ist das so, wir haben das schon mal mit einem anderen Tool versucht."},
        {"Internal", "Steve Park", "Happy to continue in English if that is easier."},
        {"External", "Jonas Weber",
         "Yes, let's do English. What we really need is a way to sync tickets with Salesforce, "
         "because our account managers never see what the customer wrote to support, and that "
         "is the main thing for us."},
    };
    json_t *call = s_call(lines, 3);
    json_t *ins = s_extract(call);
    cr_assert_str_eq(cs_rec_str(ins, "language"), "en");
    cr_assert_null(json_object_get(ins, "skipped"));
    cr_assert_geq(json_array_size(json_object_get(ins, "feature_requests")), 1);
    json_decref(ins);
    json_decref(call);
}

Test(offline_lang, a_french_call_names_french)
{
    line_t lines[] = {
        {"External", "Claire Martin", s_calls[3].text},
    };
    json_t *call = s_call(lines, 1);
    json_t *ins = s_extract(call);
    cr_assert_str_eq(cs_rec_str(ins, "language"), "fr");
    cr_assert_str_eq(cs_rec_str(ins, "skipped"),
                     "not extracted offline: the call is in French (fr); an LLM provider "
                     "extracts it");
    json_decref(ins);
    json_decref(call);
}

Test(offline_lang, gate_reports_what_it_found)
{
    line_t lines[] = {
        {"External", "Ana Souza", s_calls[4].text},
    };
    json_t *call = s_call(lines, 1);
    const char *lang = NULL;
    json_t *ins = NULL;
    cr_assert_eq(cs_offline_lang_gate(call, &lang, &ins), 1);
    cr_assert_str_eq(lang, "pt");
    cr_assert_not_null(ins);
    cr_assert_str_eq(cs_rec_str(ins, "language"), "pt");
    json_decref(ins);
    json_decref(call);
    /* no transcript at all: English, extracted (and finds nothing) */
    json_t *empty = json_object();
    cr_assert_eq(cs_offline_lang_gate(empty, &lang, &ins), 0);
    cr_assert_str_eq(lang, "en");
    cr_assert_null(ins);
    json_decref(empty);
}
