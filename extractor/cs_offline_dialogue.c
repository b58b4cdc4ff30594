/*  cs_offline_dialogue: the phrase lists that read a sentence in its dialogue (see
    cs_offline_dialogue.h). Phrases are as cs_offline_text.h matches them: normalised words,
    '*' ends a prefix, "^ " anchors at the start of the sentence. */
#include "cs_offline_dialogue.h"

/* clang-format off */

/* How a question opens when the customer forgets the '?' (transcripts often drop it). */
static const char *const s_question_open[] = {
    "^ can we", "^ can i", "^ can you", "^ can it", "^ could we", "^ could i", "^ could you",
    "^ is there", "^ are there", "^ is it possible", "^ do you", "^ does it", "^ does the",
    "^ does helpdeskly", "^ will it", "^ would it", "^ are you able", "^ how do i", "^ how do we",
    "^ how can", "^ any way", "^ is that", "^ so is there", "^ and is there", "^ and can we",
    "^ and does", "^ and do you", "^ so can we", "^ so does", "^ so do you", NULL};

/* A rep's answer that shows the product lacks it: not yet, later, a workaround, or the
   request noted for the product team. */
static const char *const s_gap[] = {
    "not yet", "not today", "not at the moment", "not currently", "not right now",
    "not at this time", "not out of the box", "not natively", "not something we",
    "we dont have", "we dont support", "we dont offer", "we dont do", "we do not have",
    "we do not support", "doesnt support", "does not support", "dont support", "isnt supported",
    "not supported", "isnt possible", "not possible", "cant do that", "cannot do that",
    "doesnt do that", "roadmap", "backlog", "on our list", "on the list", "workaround*",
    "work around", "zapier", "youd need", "you would need", "youd have to", "you would have to",
    "coming soon", "were working on", "we are working on", "planned", "in the works",
    "unfortunately", NULL};

/* A rep noting what the customer said as a request for the product team. */
static const char *const s_noted[] = {
    "feature request", "product team", "our product", "product manager", "product folks",
    "product hears", "pass that on", "pass it on", "pass that along", "pass that to",
    "take that back", "take it back", "add your vote", "log it", "log that", "noting that",
    "note that down", "noted", "write it up", "your use case", "cant promise", "can not promise",
    "great idea", "good idea", "good suggestion", "great suggestion", "come up before",
    "comes up a lot", "heard that before", "see what the team", "how urgent", "how important",
    "how soon", "how big a deal", "how critical", "how much of a priority", NULL};

/* A customer's words of a problem, beyond the explicit needs: pain, blame, inability. */
static const char *const s_problem[] = {
    "cant", "cannot", "unable", "no way", "hard to", "have to", "has to", "had to",
    "struggl*", "painful", "pain", "waste*", "wasting", "frustrat*", "manually", "manual",
    "tedious", "annoy*", "difficult", "cumbersome", "clunky", "confus*", "headache*",
    "nightmare", "mess", "messy", "spreadsheet*", "workaround*", "complain*", "lose", "losing",
    "lost", "miss", "missing", "missed", "slow", "too long", "too many", "every time",
    "each time", "again and again", "by hand", NULL};

/* A customer saying they may leave. */
static const char *const s_churn[] = {
    "not renew", "wont renew", "not going to renew", "might not renew", "may not renew",
    "reconsider*", "other tools", "other options", "alternatives", "competitor*", "switch*",
    "moving to", "move to", "leaving", "leave you", "cancel*", "looking elsewhere",
    "looking around", "in a review", "under review", "vendor review", "shopping around",
    "why we are paying", "why were paying", NULL};

/* A rep acknowledging a problem the customer describes. */
static const char *const s_ack[] = {
    "useful to know", "good to know", "shouldnt happen", "should not happen", "i hear you",
    "thats important", "got it", "understood", "makes sense", "i understand", "sorry", "ouch",
    "bad experience", "fair point", "thats fair", "thats a problem", "thats painful",
    "that hurts", "noted", "good point", "fair enough", NULL};

/* A rep's answer that settles a question: yes, no, or how to do it. */
static const char *const s_settled[] = {
    "^ yes", "^ yeah", "^ yep", "^ yup", "^ sure", "^ absolutely", "^ of course", "^ definitely",
    "^ correct", "^ no", "^ nope", "^ not at all", "^ never", "^ good question", "we do",
    "it does", "you can", "you could", "there is", "theres a", "theres an", "we have",
    "it will", "it can", "that works", "just go to", "you just", NULL};

/* A rep's words that the product does it already. */
static const char *const s_already[] = {
    "already", "built in", "out of the box", "you can do that today", "that exists",
    "we have that", "we do have", "we support that", "it does that", "its in the",
    "under settings", "in the settings", NULL};

/* A rep asking back what the customer wants; the object follows the phrase. */
static const char *const s_restate[] = {
    "^ so you want", "^ so youd want", "^ so you would want", "^ so you need",
    "^ so youd need", "^ so youd like", "^ so you would like", "^ so what you need is",
    "^ so what youre after is", "^ so what youre looking for is", "^ so youre looking for",
    "^ so youre after", "^ so basically you want", "^ so basically youd want",
    "^ so ideally", "^ you want", "^ youd want", "^ youd like", "^ you need",
    "^ sounds like you need", "^ sounds like you want", "^ sounds like youd want",
    "^ it sounds like you need", "^ it sounds like you want", "^ it sounds like youd want",
    "^ if i understand you want", "^ if i understand correctly you want",
    "^ if i understand correctly youd want", "^ just so i understand you want",
    "^ what youd want is", "^ what you want is", "^ what you need is", NULL};

/* A rep asking back, anywhere in a question ("Just so I've got it, you'd want an export of
   every tag?"); the object follows the phrase. */
static const char *const s_restate_asked[] = {
    "you want", "youd want", "you would want", "you need", "youd need", "you would need",
    "youd like", "you would like", "youre looking for", "you are looking for", "youre after",
    "you are after", "youre asking for", "you are asking for", "youd prefer", "you would prefer",
    "youre hoping for", "you are hoping for", "what youre after is", "what you want is",
    "what you need is", "you mean", NULL};

/* A customer's reply that agrees. */
static const char *const s_agree[] = {
    "^ yes", "^ yeah", "^ yep", "^ yup", "^ exactly", "^ right", "^ correct", "^ absolutely",
    "^ definitely", "^ precisely", "^ totally", "^ thats it", "^ thats right",
    "^ thats exactly", "^ that would be", "^ thatd be", "^ oh yes", "^ oh yeah", "^ uh yes",
    "^ um yes", "^ uh yeah", "^ um yeah", "^ mm yes", "^ mhm", "^ hundred percent",
    "^ 000 percent", "^ spot on", "^ bingo", "^ you got it", "^ thats the one", "^ yes please",
    "^ that is it", "^ that is right", "^ that is exactly", "^ pretty much", "^ more or less",
    "^ basically yes", "^ basically yeah", "^ for sure", "^ i mean yes", "^ i mean yeah",
    "^ well yes", "^ well yeah", "^ ok yes", "^ okay yes", "^ that would", "^ thatd",
    "^ wed love", "^ we would love", NULL};

/* A problem the product could solve, said without asking for anything. */
static const char *const s_need[] = {
    "end up", "ends up", "ended up", "falls through", "fall through", "fell through",
    "slips through", "slip through", "gets buried", "get buried", "got buried", "gets lost",
    "get lost", "got lost", "before anyone saw", "before anybody saw", "before anyone sees",
    "before anyone noticed", "nobody saw", "nobody sees", "no one saw", "no one sees",
    "nobody noticed", "cant tell", "cannot tell", "cant see", "cannot see", "dont know who",
    "no idea who", "no idea which", "no visibility", "by hand", "manually", "copy paste",
    "copy and paste", "copying and pasting", "paste it", "pasting", "double work",
    "at the same time", "same email", "same ticket", "same conversation", "same thread",
    "all in english", "all in chinese", "only in english", "doesnt speak", "dont speak",
    "cant read", "reason we are leaving", "reason were leaving", "why we are leaving",
    "why were leaving", "why we left", "reason we left", "were moving away", "switching away",
    "auto closed", "auto closes", "closed automatically", "keeps happening", "every single time",
    "takes ages", "takes forever", "waste*", "wasting", "blocker", "deal breaker",
    "dealbreaker", "hard requirement", "a requirement for us", "must have", "non negotiable",
    "wont approve", "cant open", "cant find", "cant get", "cant use", "cant access",
    "never get", "never see", "never know", "no way of knowing", "have no way", "still cant",
    "stuck with", "english only", "only in english", "the other tool", "other tools have",
    "outside the tool", "two systems", "separate system", "answered the same", "replied to the same",
    "both replied", "both answered", "cant roll out", "cant go live", "cannot go live", NULL};

/* Sales process and logistics, and small talk: never a request. */
static const char *const s_negative[] = {
    "share the recording", "send the recording", "this recording", "the recording of",
    "the proposal", "a proposal", "the quote", "a quote", "the deck", "the slides", "licence*",
    "license*", "seats", "per seat", "a pilot", "pilot team", "pilot group", "free trial",
    "the trial", "a trial", "before buying", "before we buy", "sign off", "purchase order",
    "the invoice", "price*", "pricing", "discount*", "budget*", "procurement",
    "the contract", "a contract", "sign the contract", "contract renewal", "contract length",
    "renewal", "legal", "show me how", "show me what", "walk me through", "walk us through",
    "how it looks", "how that looks", "calendar invite", "send an invite", "set up a call",
    "set up a meeting", "book a meeting", "follow up call", "next meeting", "loop in",
    "^ let me", "^ lets", "^ let us", "^ so let me", "^ so lets", "send me", "send us",
    "send over", "send it over", "share it with", "next steps", "get back to you", "run it by",
    "approval", "make a decision", "want to make sure", "wanted to make sure", "just to make sure",
    "kids", "weekend", "vacation", "holiday*", "weather", "the game", "coffee", "lunch",
    "traffic", "fingers crossed", "how are you", "good to see", "nice to meet", "long week",
    "busy week", "will love that", "will like that", "getting better", "^ that would be great",
    "^ thatd be great", "^ that would be nice", "^ thatd be nice", "^ that would help",
    "^ sounds good", "^ sounds great", "^ that works", "^ perfect", "^ great", "^ oh that would",
    "^ oh thatd", NULL};

/* How the customer works today, and scheduling: not a request unless asked for in so many
   words. */
static const char *const s_setup[] = {
    "we each use", "we all use", "we use", "were using", "we are using", "we currently use",
    "currently we use", "we have about", "we have around", "our team is", "there are about",
    "next week", "this week", "tomorrow", "on monday", "on tuesday",
    "on wednesday", "on thursday", "on friday", "my calendar", "your calendar", NULL};

/* clang-format on */

bool cs_offline_dialogue_question(const cs_offline_tokens_t *t, const char *text, size_t n)
{
    while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '"' || text[n - 1] == '\'' ||
                     text[n - 1] == ')' || (unsigned char)text[n - 1] >= 0x80))
        n--;
    if (n > 0 && text[n - 1] == '?')
        return true;
    return cs_offline_has_any(t, s_question_open);
}

bool cs_offline_dialogue_gap(const cs_offline_tokens_t *t)
{
    return cs_offline_has_any(t, s_gap) || cs_offline_has_any(t, s_noted);
}

bool cs_offline_dialogue_noted(const cs_offline_tokens_t *t)
{
    return cs_offline_has_any(t, s_noted);
}

bool cs_offline_dialogue_ack(const cs_offline_tokens_t *t)
{
    return cs_offline_has_any(t, s_ack);
}

bool cs_offline_dialogue_problem(const cs_offline_tokens_t *t)
{
    return cs_offline_has_any(t, s_problem);
}

bool cs_offline_dialogue_churn(const cs_offline_tokens_t *t)
{
    return cs_offline_has_any(t, s_churn);
}

bool cs_offline_dialogue_settled(const cs_offline_tokens_t *t)
{
    return cs_offline_has_any(t, s_settled);
}

bool cs_offline_dialogue_already(const cs_offline_tokens_t *t)
{
    return cs_offline_has_any(t, s_already);
}

/* The number of words of a phrase, without its "^ " anchor. */
static size_t s_phrase_words(const char *phrase)
{
    size_t words = 1;
    for (const char *c = phrase[0] == '^' ? phrase + 2 : phrase; *c; c++)
        words += *c == ' ';
    return words;
}

bool cs_offline_dialogue_restatement(const cs_offline_tokens_t *t, const char *text, size_t n,
                                     size_t *object)
{
    long r = cs_offline_first_has(t, s_restate);
    if (r >= 0) {
        *object = s_phrase_words(s_restate[r]);
        return *object < t->count;
    }
    if (!cs_offline_dialogue_question(t, text, n))
        return false;
    /* "do you want...?", "would you like...?" offer or ask; they restate nothing */
    static const char *const asking[] = {"do",  "does",  "did",    "would", "will",
                                         "can", "could", "should", NULL};
    for (size_t i = 0; i < t->count; i++) {
        if (i > 0 && cs_offline_token_in(t, i - 1, asking))
            continue;
        long a = cs_offline_first_at(t, i, s_restate_asked);
        if (a >= 0) {
            *object = i + s_phrase_words(s_restate_asked[a]);
            return *object < t->count;
        }
    }
    return false;
}

bool cs_offline_dialogue_agreement(const cs_offline_tokens_t *t)
{
    return cs_offline_has_any(t, s_agree);
}

bool cs_offline_dialogue_need(const cs_offline_tokens_t *t)
{
    return cs_offline_has_any(t, s_need);
}

bool cs_offline_dialogue_negative(const cs_offline_tokens_t *t)
{
    return cs_offline_has_any(t, s_negative);
}

bool cs_offline_dialogue_setup(const cs_offline_tokens_t *t)
{
    return cs_offline_has_any(t, s_setup);
}
