/*  cs_offline_words: the word lists (see cs_offline_words.h). */
#include "cs_offline_words.h"

#include <stddef.h>

/* clang-format off */
/* Explicit requests: with one of these (and none of cs_offline_words_explicit_bug), a sentence is a request
   even below the model's threshold. The model learnt from forum posts and app reviews; these
   are how customers ask on a sales call. Kept narrow: "we need a way to..." qualifies, "we
   need to talk to legal" must not. */
const char *const cs_offline_words_explicit_request[] = {
    "need a", "need an", "need some", "need better", "need more", "need the ability",
    "need to be able", "really need", "really want", "want a", "want an", "wants a", "wants an",
    "want to be able", "would want", "wed want", "would love", "wed love", "id love",
    "would like to see", "would like to have", "wed like", "id like to see", "it would be nice",
    "it would be great", "it would be helpful", "it would be useful", "it would be awesome",
    "would be nice to have", "i wish", "we wish", "wish it", "wish there", "please add",
    "please build", "please consider", "please support", "can you add", "could you add",
    "can you build", "could you build", "can you guys add", "feature request", "nice to have",
    "the ability to", "an option to", "should add", "should be able to", "how about adding",
    "roadmap", "any plans to", "do you plan to", "are you planning to", "is it possible to add",
    "is a must", "a must for", "do you integrate", "does it integrate", "can it integrate",
    "do you support", "does it support", "integrate with", "integration with", "looking for a",
    "looking for an", "asking for", "asked for", "need to have", "have to have", "if you could",
    "if it could", "if there was", "if there were", "doesnt have", "does not have", "no way to",
    "there is no way", "theres no way", "is there any way", "is there a way", "thing missing",
    "is missing", "missing for us", "^ could you", "^ can you", "^ would you be able",
    "^ any chance", "most useful thing", "would be huge", "would be a game changer",
    "would help a lot", "would be really useful", "would be so useful", "would make our life",
    "would make our lives", "would save us", "if you had", "if you guys had", "if it had",
    "ideally", "id need", "wed need", "wed really want", "we would really like",
    "we would really want", "itd be great", "itd be nice", "itd be helpful", "itd be useful",
    "itd help", "it would help", "would help us", "would really help", "would be amazing",
    "would be ideal", "would be perfect", "if only", "were hoping for", "we are hoping for",
    "hoping you could", "hoping you guys", "any way you could", "is that something you",
    "wishlist", "wish list", "top of our list", "biggest ask", "our ask", "the ask is",
    "were looking for", "we are looking for", "needs to be able", "has to be able",
    "have to be able", "must be able", "i want", "we want", "could really use", "could use a",
    "could use an", "wed pay for", "happy to pay", "we miss", "were missing", "we are missing",
    "doesnt let us", "does not let us", "no option to", "no easy way", "there isnt a way",
    "there is not a way", NULL};

/* Sales-process talk that is no product request, whatever the model says: the customer's own
   next steps, time, money and paperwork. */
const char *const cs_offline_words_not_request[] = {
    "^ let me", "^ let us", "^ lets", "^ so let me", "^ so lets", "need a decision", "need a bit",
    "need a minute", "need a moment", "need a second", "need a break", "need a quote",
    "need a proposal", "need a meeting", "need a contract", "need a signature", "need more time",
    "need some time", "need a little", "need approval", "need to check", "need to talk",
    "need to discuss", "need to think", "need to run", "loop in", "send me", "send us", "send over",
    "follow up", "next steps", "budget", "procurement", "legal", "pricing", "discount", "contract",
    "renewal", "invoice", NULL};

/* A request the model found without an explicit phrase still asks for something: it has
   one of these words (or a request cue of the model). */
const char *const cs_offline_words_requestish[] = {
    "would", "could", "should", "can", "need*", "want*", "wish*", "hope*", "like", "love", "please",
    "add*", "allow*", "support*", "option*", "abilit*", "able", "feature*", "integrat*", "missing",
    "lack*", "if", "way", "make", "let", "possible", "plan*", "roadmap", "future", "request*",
    "suggest*", "idea", "instead", "better", "more", NULL};

const char *const cs_offline_words_explicit_bug[] = {
    "crash*", "bug", "bugs", "buggy", "broken", "doesnt work", "does not work", "not working",
    "stopped working", "throws an error", "error message", "fails to", "keeps failing", "freez*",
    "froze", "hangs", "data loss", "lost data", "wont load", "doesnt load", "cant log in",
    "cannot log in", "cant login", "cannot login", "glitch*", "logs me out", "logs us out",
    "logged out", "times out", "timing out", "out of sync", "doesnt sync", "not syncing",
    "is wrong", "are wrong", "shows the wrong", "show the wrong", "wrong data", "wrong numbers",
    "anymore", "no longer", "doesnt show up", "stopped showing", NULL};

/* Words of something going wrong, besides the explicit bug phrases, the negative words of the
   sentiment lexicon and the severity cues: a bug names one of them (or the model is sure: cs_offline.c). */
const char *const cs_offline_words_trouble[] = {
    "not", "doesnt", "dont", "didnt", "wont", "isnt", "arent", "wasnt", "no longer", "anymore",
    "missing", "instead", "skip*", "stutter*", "lag*", "slow*", "disappear*", "empty", "blank",
    "weird*", "strange*", "odd", "unexpected*", "incorrect*", "duplicat*", NULL};

/* Verbs after which a request's object starts ("our managers want | a dashboard..."), when
   they come within the first few words (cs_offline.c). */
const char *const cs_offline_words_request_verbs[] = {
    "need", "needs", "want", "wants", "wish", "add", "adding", "asking", "asked", "missing",
    "had", NULL};

const char *const cs_offline_words_urgency_low_first[] = {
    "not urgent", "no rush", "not a priority", "low priority", "not critical", "not a blocker",
    "not a big deal", "no hurry", NULL};
const char *const cs_offline_words_urgency_critical[] = {
    "blocker", "blocking", "blocks us", "cant go live", "cannot go live", "deal breaker",
    "dealbreaker", "showstopper", "show stopper", "urgent", "urgently", "asap",
    "as soon as possible", "critical", "immediately", "right away", NULL};
const char *const cs_offline_words_urgency_high[] = {
    "really need", "must", "top priority", "high priority", "need this", "important", "badly",
    "desperately", "key requirement", "requirement", "crucial", "essential", "absolutely need",
    "definitely need", "a must", NULL};
const char *const cs_offline_words_urgency_low[] = {
    "nice to have", "someday", "some day", "eventually", "at some point", "down the road",
    "in the future", "minor", "not a big", NULL};

const char *const cs_offline_words_severity_critical[] = {
    "data loss", "lost data", "lose data", "losing data", "lost all", "deleted", "corrupt*",
    "security", "breach", "outage", "production is down", "prod is down", "is down", "cant log in",
    "cannot log in", "cant login", "cannot login", "blocker", "blocking", "urgent", "asap",
    "critical", "nobody can", "no one can", NULL};
const char *const cs_offline_words_severity_high[] = {
    "crash*", "every time", "everytime", "always", "cant", "cannot", "unable", "doesnt work",
    "does not work", "not working", "stopped working", "broken", "fails", "failing", "failed",
    "freez*", "froze", "stuck", "unusable", "hangs", "wont", NULL};
const char *const cs_offline_words_severity_low[] = {
    "minor", "cosmetic", "typo", "sometimes", "occasionally", "once in a while", "small",
    "slightly", "a bit", "a little", "rarely", NULL};

const char *const cs_offline_words_pain[] = {
    "struggl*", "painful", "pain", "waste*", "wasting", "frustrat*", "manually", "manual",
    "tedious", "annoying", "annoyed", "hard to", "difficult", "cumbersome", "takes forever",
    "takes hours", "takes ages", "time consuming", "workaround*", "copy paste", "copy and paste",
    "spreadsheet*", "headache*", "nightmare", "clunky", "confusing", "error prone", "too long",
    "too many clicks", NULL};

const char *const cs_offline_words_positive[] = {
    "great", "awesome", "excellent", "amazing", "fantastic", "perfect", "happy", "glad", "pleased",
    "thanks", "thank", "helpful", "easy", "easier", "lov*", "nice", "good", "best", "impress*",
    "smooth*", "useful", "valuable", "excit*", "enjoy*", "wonderful", "brilliant", "solid",
    "reliable", "intuitive", "recommend*", "appreciat*", "delight*", "terrific", "cool", "super",
    "works well", "saves", NULL};
const char *const cs_offline_words_negative[] = {
    "frustrat*", "annoy*", "hate*", "terrible", "awful", "horrible", "bad", "worse", "worst",
    "broken", "slow", "painful", "pain", "struggl*", "confus*", "difficult", "hard", "disappoint*",
    "unhappy", "upset", "angry", "crash*", "bug", "bugs", "buggy", "problem*", "issue*", "fail*",
    "useless", "waste*", "wasting", "impossible", "clunky", "expensive", "cancel*", "churn*",
    "complain*", "unreliable", "error*", "wrong", "tedious", "nightmare", "mess", "messy",
    "worried", "worry", "sucks", "poor", "unacceptable", NULL};
const char *const cs_offline_words_negators[] = {
    "not", "no", "never", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "cant",
    "cannot", "wont", "without", "hardly", "nothing", "nor", NULL};

/* Words a request title does not start with: fillers, pronouns, request phrasing. */
const char *const cs_offline_words_request_lead[] = {
    "so", "well", "um", "umm", "uh", "uhh", "er", "erm", "hmm", "yeah", "yes", "yep", "ok", "okay",
    "oh", "and", "but", "also", "plus", "honestly", "basically", "actually", "really", "just",
    "hey", "hi", "look", "listen", "right", "now", "then", "anyway", "anyways", "like", "you",
    "know", "i", "we", "me", "us", "our", "my", "they", "it", "its", "itd", "id", "wed", "weve",
    "ive", "im", "were", "youd", "would", "could", "should", "can", "will", "do", "does", "did",
    "please", "pls", "need", "needs", "needed", "want", "wants", "wanted", "wish", "hope", "hoping",
    "love", "get", "got", "getting", "have", "has", "having", "be", "been", "being", "is", "are",
    "was", "see", "seeing", "to", "a", "an", "the", "some", "any", "kind", "sort", "of", "way",
    "ways", "option", "options", "ability", "able", "possibility", "possible", "feature",
    "features", "request", "there", "theres", "if", "that", "this", "nice", "great", "good",
    "helpful", "useful", "awesome", "cool", "amazing", "ideal", "ideally", "definitely",
    "absolutely", "maybe", "perhaps", "think", "guess", "believe", "mean", "add", "adding",
    "include", "including", "allow", "allowing", "let", "lets", "make", "makes", "something",
    "thing", "things", "one", "more", "another", "other", "too", "very", "much", "what", "how",
    "about", "wondering", "wonder", "curious", "whether", "plans", "plan", "planning", "missing",
    "lack", "lacks", "lacking", "really", "still", "for", "whats", "chance", "single", "most",
    "why", "stuck", "theyre", "with", "anything", "on", "roadmap", "working", "biggest", "gap",
    "today", "help", "no", "said", "earlier", "again", "coming", "back", "stress",
    NULL};
/* Words a bug title does not start with. */
const char *const cs_offline_words_bug_lead[] = {
    "so", "well", "um", "umm", "uh", "uhh", "er", "erm", "hmm", "yeah", "yes", "ok", "okay", "oh",
    "and", "but", "also", "plus", "honestly", "basically", "actually", "really", "just", "hey",
    "hi", "look", "listen", "right", "now", "anyway", "like", "i", "we", "you", "they", "there",
    "theres", "is", "are", "was", "a", "an", "the", "bug", "bugs", "issue", "issues", "problem",
    "problems", "where", "that", "seems", "seem", "noticed", "notice", "found", "think", "see",
    "saw", "weve", "ive", "have", "has", "had", "been", "with", "one", "thing", "another", "other",
    "big", "major", "small", "minor", "annoying", "weird", "strange", "still", NULL};
/* A title stops before these (once it has two words). */
const char *const cs_offline_words_title_stop[] = {
    "because", "since", "but", "cause", "otherwise", "unless", "although", "though", "which",
    "cuz", "would", "could", "will", "should", "might", "wouldnt", "when", "whenever", "while",
    "must", "before", "until", "once", NULL};
/* Nor does a title end with these. */
const char *const cs_offline_words_title_tail[] = {
    "a", "an", "the", "to", "of", "for", "with", "and", "or", "in", "on", "at", "by", "from",
    "that", "this", "is", "be", "our", "my", "your", "their", "we", "i", "you", "so", "but", "just",
    "really", "very", "please", "too", "as", "if", "when", "where", "which", "would", "could",
    "should", "can", "will", "like", "well", "also", "there", "though", "anyway", "either",
    "maybe", "now", "then", "here", "over", "stuff", "something", "somehow", "right",
    "basically", "actually", "honestly", "literally", "all", "some", "any", "more", "are", "was",
    "were", "am", "been", "being", "has", "have", "had", "get", "gets", "every", "each", NULL};

/* A title whose clause runs past CS_OFFLINE_TITLE_WORDS is cut before the last of these (or
   "and", "or") within the limit: the prepositions and relative words that start a phrase of
   their own ("Live view of SLA breaches per queue up | on the TV in the support room"). */
const char *const cs_offline_words_title_break[] = {
    "of", "for", "with", "in", "on", "at", "by", "from", "to", "into", "onto", "per", "about",
    "across", "against", "between", "through", "during", "without", "within", "after", "over",
    "under", "via", "like", "that", "which", "who", "where", "whose", NULL};
/* ...and a word just before that cut goes with it when it belongs to the preposition ("queue
   up | on", "a file instead | of", "out | of"). */
const char *const cs_offline_words_title_joined[] = {
    "up", "down", "out", "off", "back", "instead", "because", "next", "due", "rather", "right",
    "over", "away", "ahead", "along", "about", "based", "depending", "according", "thanks",
    "straight", "directly",
    NULL};
/* Verbs whose object can be a question ("shows | which conversations breach", "track | which
   technician has"): "which", "when" and "where" after them do not stop a title. */
const char *const cs_offline_words_title_asks_which[] = {
    "show", "shows", "showing", "see", "seeing", "know", "knowing", "track", "tracks", "tracking",
    "tell", "tells", "choose", "chooses", "pick", "picks", "decide", "decides", "check", "checks",
    "list", "lists", "highlight", "highlights", "flag", "flags", "has", "have", "had", "find",
    "spot", "understand", "predict", "predicts", "says", "say", "log", "logs", "record",
    "records", NULL};
/* A predicate that says how much a request matters, after "is" or "are": the title ends
   before the copula ("parts reservations for scheduled jobs | is a must before..."). Up to two
   words of cs_offline_words_title_degree may come between ("is our top priority"). */
const char *const cs_offline_words_title_importance[] = {
    "must", "priority", "requirement", "essential", "critical", "crucial", "important", "key",
    "necessity", "blocker", "dealbreaker", "showstopper", "mandatory", "vital", "necessary", "huge", NULL};
const char *const cs_offline_words_title_degree[] = {
    "a", "an", "the", "our", "my", "really", "very", "so", "super", "absolutely", "top", "real",
    "absolute", "pretty", "big", "hard", "non", "number", "one", "still", "also", "just", NULL};
/* Verbs that take an indirect object with "to" and then a clause ("prove | to a customer |
   that we hit the response time", "explain to the board how..."): the clause is the object,
   the title keeps it and drops the indirect one. */
const char *const cs_offline_words_title_tell[] = {
    "prove", "show", "explain", "demonstrate", "report", "say", "mention", "confirm", "signal",
    "suggest", "recommend", "describe", "communicate", "indicate", "announce", "state",
    "declare", "justify", "point", "document", NULL};
/* Verbs that take an object and then "to" ("ask the customer | to rate the technician"):
   the infinitive is what is asked for, a long title is not cut before it. */
const char *const cs_offline_words_title_ask_to[] = {
    "ask", "asks", "tell", "tells", "remind", "reminds", "invite", "invites", "prompt",
    "prompts", "allow", "allows", "require", "requires", "force", "forces", "encourage",
    "encourages", "nudge", "nudges", "push", "pushes", NULL};
/* Words that open such a clause. */
const char *const cs_offline_words_title_clause_open[] = {
    "that", "how", "why", "what", "whether", NULL};
/* Quantifiers of a subject ("a few | of our sites need...", "most of the techs want..."):
   with their "of" they do not count towards how early a request verb comes. */
const char *const cs_offline_words_title_quantifier[] = {
    "few", "some", "most", "half", "all", "many", "several", "couple", "lot", "lots", "none",
    "each", "one", "two", "three", "both", "majority", "plenty", NULL};
/* A clause with its own subject starts after "and", "but" or "so" with one of these ("alerts,
   and | we use Slack"): the title ends before it. */
const char *const cs_offline_words_title_subject[] = {
    "we", "were", "weve", "wed", "i", "im", "ive", "id", "it", "its", "itll", "they", "theyre",
    "theyve", "theyll", "you", "youre", "he", "hes", "she", "shes", "there", "theres", "that",
    "thats", "thatll", "people", "everyone", "everybody", "nobody", "someone", "somebody", "if",
    "when", NULL};
/* ...or with one of these before a noun and a verb ("alerts, and | the team lives in Slack";
   not "tags, and | the filters"). */
const char *const cs_offline_words_title_determiner[] = {
    "the", "our", "my", "your", "their", "his", "her", "this", "these", "those", "every", "each",
    "some", "most", "all", "half", "a", "an", NULL};
/* Finite verbs whatever noun comes before them: auxiliaries and modals ("the data | is in
   Excel", "our reps | can't"), and pasts that are no participle ("the team | went"; "moved"
   may be one: "the files moved to the archive"). */
const char *const cs_offline_words_title_finite[] = {
    "is", "are", "was", "were", "has", "have", "had", "does", "do", "did", "can", "could",
    "will", "would", "should", "might", "must", "isnt", "arent", "wasnt", "werent", "hasnt",
    "havent", "hadnt", "doesnt", "dont", "didnt", "cant", "cannot", "couldnt", "wont",
    "wouldnt", "shouldnt", "went", "came", "took", "wrote", "saw", "knew", "gave", "began",
    "chose", NULL};
/* Common verbs that are seldom nouns: in the third person after a singular noun ("the team |
   lives in Slack") or in the base form after a plural one ("our managers | want it"), they
   make a clause. Not "export", "report", "call", "email": "and the CSV exports" is a thing. */
const char *const cs_offline_words_title_verbs[] = {
    "use", "want", "need", "live", "spend", "like", "love", "hate", "get", "keep", "see", "say",
    "think", "know", "send", "ask", "pay", "go", "come", "take", "make", "try", "lose", "miss",
    "forget", "prefer", "rely", "complain", "expect", "write", "find", "hear", "sit", "seem",
    "tend", "refuse", "struggle", "wish", "hope", NULL};

/* Units of time: "before" or "until" after one is a preposition, no clause ("reminders the
   day | before a visit"). */
const char *const cs_offline_words_title_time_unit[] = {
    "day", "days", "week", "weeks", "night", "nights", "hour", "hours", "month", "months",
    "morning", "evening", "minute", "minutes", "year", "years", "shift", "shifts", "moment",
    NULL};
/* Verbs of saying or requiring: a request verb a few words after one, in the clause it
   reports, starts the title ("Our IT policy says | every tool needs | SSO"). */
const char *const cs_offline_words_title_saying[] = {
    "says", "said", "say", "requires", "required", "insists", "insisted", "mandates", "states",
    "told", "tells", "rule", "rules", NULL};
/* Names of the product itself as a subject: "if the tool could | draft a reply" asks for the
   verb, so a title drops the subject and its modal. */
const char *const cs_offline_words_title_tool[] = {
    "tool", "system", "app", "product", "software", "platform", "helpdesk", "inbox", NULL};

/* Words about a request rather than its object: a title of nothing else names nothing. */
const char *const cs_offline_words_title_meta[] = {
    "urgent", "urgently", "priority", "critical", "blocker", "dealbreaker", "showstopper",
    "important", "essential", "crucial",
    "huge", "must", "requirement", "helpful", "useful", "nice", "great", "ideal", "honest",
    "asap", "soon", "sooner", "later", NULL};

/* Words about trouble rather than what is in trouble: a bug title of nothing else is a
   lead-in ("something's been broken on our side"). */
const char *const cs_offline_words_bug_meta[] = {
    "broken", "broke", "issue", "issues", "problem", "problems", "bug", "bugs", "wrong",
    "weird", "happening", "happens", "running", "something", "somethings", "forget", "side",
    "exactly", "keeps", "keep", "thing", "going", "been", "odd", "strange", "glitch", NULL};

/* Filler a title leaves out wherever it stands. */
const char *const cs_offline_words_filler[] = {
    "um", "umm", "uh", "uhh", "er", "erm", "hmm", "really", "actually", "basically", "just",
    "literally", "honestly", "kinda", "sorta", "definitely", "probably", "somehow", NULL};

/* Words that say nothing about a theme. */
const char *const cs_offline_words_stopwords[] = {
    "a", "about", "above", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as",
    "at", "be", "because", "been", "before", "being", "between", "both", "but", "by", "can",
    "could", "did", "do", "does", "doing", "dont", "down", "during", "each", "even", "every", "few",
    "for", "from", "further", "get", "got", "had", "has", "have", "having", "he", "her", "here",
    "him", "his", "how", "i", "id", "if", "in", "into", "is", "it", "its", "itd", "just", "know",
    "let", "like", "lot", "make", "me", "more", "most", "much", "must", "my", "need", "needs",
    "new", "no", "nor", "not", "now", "of", "off", "on", "once", "one", "only", "or", "other",
    "our", "out", "over", "own", "please", "really", "same", "she", "should", "so", "some", "such",
    "than", "that", "the", "their", "them", "then", "there", "these", "they", "thing", "things",
    "this", "those", "through", "to", "too", "under", "until", "up", "us", "use", "using", "very",
    "want", "was", "way", "we", "wed", "were", "what", "when", "where", "which", "while", "who",
    "why", "will", "wish", "with", "would", "you", "your", "feature", "features", "ability", "able",
    "option", "options", "add", "adding", "support", "supports", "request", "requests", "nice",
    "great", "good", "love", "better", "allow", "allows", "see", "something", "also", "team",
    "teams", "customer", "customers", "user", "users", "people", "time", "work", "works", "working",
    "thanks", "yeah", "ok", "okay", "um", "uh", "well", "right", "think", "maybe", "actually",
    "basically", "honestly", "go", "going", "0", "00", "000", "0000", NULL};

/* clang-format on */
