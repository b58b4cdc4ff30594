#!/usr/bin/env python3
"""Train the offline extractor's two linear models (request vs not, bug vs not).

The offline provider (extractor/cs_offline.c) scores every customer sentence with two logistic
regressions over the same hashed features: word unigrams, word bigrams, character n-grams of
each word, a few punctuation and length features, and one indicator per cue phrase. This script
builds those features exactly as the C code does, trains both models on the training part of
../shared/eval/feedback, tunes the two decision thresholds by cross-validation inside the
training part, and writes extractor/model/offline_model.txt, which the build embeds.

Pure Python 3 standard library, deterministic: the split is a hash of each row's id, the
shuffles use a fixed seed, and the sums run in a fixed order.

    python3 extractor/model/train_request_model.py           # train, write the model (about 45 s)
    python3 extractor/model/train_request_model.py --parity  # scores test_offline.c checks
    python3 extractor/model/train_request_model.py --hold-out-fold 0 --out /tmp/dev0.txt
        # a development model (docs/QUALITY.md)

The split, the data loading and the cue phrases are shared with scripts/quality/quality.py, which
imports this module. Figures on the test part come from quality.py, through the C code.
"""

import argparse
import csv
import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))  # HERE is extractor/model
DEFAULT_DATA = os.path.normpath(os.path.join(ROOT, "..", "shared", "eval", "feedback"))
DEFAULT_OUT = os.path.join(ROOT, "extractor", "model", "offline_model.txt")

MODEL_FORMAT = 1
BUCKET_BITS = 18  # 2^18 hashed buckets; only the non-zero ones are written
CHAR_NGRAMS = (3, 4)  # byte n-grams of " word ", shortest and longest
MAX_CHAR_WORD = 24  # longer words (urls, hashes) get no character n-grams
WEIGHT_SCALE = 10000  # weights are stored as integers: weight = q / WEIGHT_SCALE
TRAIN_PERCENT = 70  # rows whose hash falls below this percentage are training rows
SEED = 20251020

# Cue phrases: what people say when they ask for something or report something broken.
# Written as they are spoken; they are tokenised like any text (apostrophes vanish: "i'd" is
# "id"). Each is one feature of both models, and "any request cue" / "any bug cue" are two more.
REQUEST_CUES = [
    "would be nice", "would be great", "would be good", "would be helpful", "would be useful",
    "would be awesome", "would love", "would like", "i'd like", "we'd like", "i'd love",
    "we'd love", "i wish", "we wish", "wish it", "wish there", "i want", "we want", "i need",
    "we need", "really need", "need a way", "need the ability", "a way to", "ability to",
    "option to", "an option", "the option", "able to", "be able", "should be able", "should have",
    "should be", "could you", "can you add", "could you add", "please add", "please make",
    "please include", "please allow", "add a", "add an", "add the", "add support", "adding",
    "support for", "allow us", "allow me", "allow users", "let us", "let me", "feature request",
    "request", "suggestion", "suggest", "is it possible", "would it be possible", "any plans",
    "any chance", "hope", "hopefully", "looking for", "missing", "lack", "lacks", "miss the",
    "it needs", "needs a", "needs to", "should add", "if you could", "if it could",
    "if there was", "if there were", "if only", "how about", "what about", "in the future",
    "future version", "next version", "next update", "must have", "nice to have",
    "top priority", "integration with", "integrate with", "sync with", "export to",
    "import from",
]
BUG_CUES = [
    "bug", "bugs", "buggy", "crash", "crashes", "crashed", "crashing", "freeze", "freezes",
    "froze", "frozen", "hang", "hangs", "stuck", "error", "errors", "exception", "fails",
    "failed", "failing", "failure", "broken", "breaks", "broke", "doesn't work",
    "does not work", "don't work", "didn't work", "not working", "stopped working",
    "won't", "wont", "can't", "cannot", "unable to", "keeps", "every time", "force close",
    "force closes", "glitch", "glitches", "problem", "issue", "wrong", "instead of",
    "after the update", "after update", "since the update", "since update", "lost",
    "disappeared", "missing", "blank", "black screen", "white screen", "not loading",
    "won't load", "doesn't load", "please fix", "fix this", "fix it", "regression",
]

ABBREVIATIONS = {b"mr", b"mrs", b"ms", b"dr", b"vs", b"inc", b"ltd", b"co", b"st", b"jr",
                 b"sr", b"approx", b"etc"}
MAX_SENTENCE = 2000  # bytes; longer runs are cut at a space


# ------------------------------------------------------------------------------------------
# Text: the same bytes in, the same tokens and sentences out as extractor/cs_offline_text.c


def fnv1a32(data):
    h = 0x811C9DC5
    for byte in data:
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def tokenize(text):
    """Lower-cased words of UTF-8 `text` (bytes or str), as a list of bytes.

    ASCII letters are lower-cased and digits all become '0'. The apostrophes ' U+2018 U+2019
    vanish (don't -> dont). Other ASCII, U+0080..U+00BF (no-break space, Latin-1 signs) and
    U+2000..U+207F (dashes, curly quotes, ellipsis) separate words; other non-ASCII bytes are
    part of words."""
    b = text.encode("utf-8") if isinstance(text, str) else text
    n = len(b)
    tokens = []
    cur = bytearray()
    i = 0
    while i < n:
        c = b[i]
        if c == 0x27:
            i += 1
            continue
        if c == 0xE2 and i + 2 < n and b[i + 1] == 0x80 and b[i + 2] in (0x98, 0x99):
            i += 3
            continue
        if c == 0xE2 and i + 2 < n and b[i + 1] in (0x80, 0x81):
            if cur:
                tokens.append(bytes(cur))
                cur.clear()
            i += 3
            continue
        if c == 0xC2 and i + 1 < n and 0x80 <= b[i + 1] <= 0xBF:
            if cur:
                tokens.append(bytes(cur))
                cur.clear()
            i += 2
            continue
        if 0x41 <= c <= 0x5A:
            cur.append(c + 32)
        elif 0x61 <= c <= 0x7A or c >= 0x80:
            cur.append(c)
        elif 0x30 <= c <= 0x39:
            cur.append(0x30)
        elif cur:
            tokens.append(bytes(cur))
            cur.clear()
        i += 1
    if cur:
        tokens.append(bytes(cur))
    return tokens


def _is_space(c):
    return c in (0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C)


def split_sentences(text):
    """(start, end) byte ranges of the sentences of UTF-8 `text`, trimmed of white space.

    A sentence ends at a newline, or after a run of . ! ? (and any closing quotes or brackets)
    that is followed by white space or the end of the text, unless the run is a single '.'
    after an abbreviation, a single letter or a word with a '.' inside (e.g. "e.g."). Sentences
    longer than MAX_SENTENCE bytes are cut at the last space before the limit."""
    b = text.encode("utf-8") if isinstance(text, str) else text
    n = len(b)
    out = []

    def emit(s, e):
        while s < e and _is_space(b[s]):
            s += 1
        while e > s and _is_space(b[e - 1]):
            e -= 1
        while e - s > MAX_SENTENCE:
            cut = s + MAX_SENTENCE
            while cut > s and b[cut] != 0x20:
                cut -= 1
            if cut == s:
                cut = s + MAX_SENTENCE
                while cut > s + 1 and (b[cut] & 0xC0) == 0x80:
                    cut -= 1
            piece = cut
            while piece > s and _is_space(b[piece - 1]):
                piece -= 1
            out.append((s, piece))
            s = cut
            while s < e and _is_space(b[s]):
                s += 1
        if e > s:
            out.append((s, e))

    start = 0
    i = 0
    while i < n:
        c = b[i]
        if c == 0x0A:
            emit(start, i)
            start = i + 1
            i += 1
            continue
        if c in (0x2E, 0x21, 0x3F):
            j = i
            while j < n and b[j] in (0x2E, 0x21, 0x3F):
                j += 1
            k = j
            while k < n and b[k] in (0x22, 0x27, 0x29, 0x5D):
                k += 1
            if k == n or _is_space(b[k]):
                if not (j - i == 1 and c == 0x2E and _abbreviation_before(b, start, i)):
                    emit(start, k)
                    start = k
            i = k
            continue
        i += 1
    emit(start, n)
    return out


def _abbreviation_before(b, start, dot):
    w = dot
    while w > start and not _is_space(b[w - 1]):
        w -= 1
    word = b[w:dot].lower()
    if len(word) == 1 and 0x61 <= word[0] <= 0x7A:
        return True
    if b"." in word:
        return True
    return word in ABBREVIATIONS


def cue_tokens(phrases):
    return [tokenize(p) for p in phrases]


REQUEST_CUE_TOKENS = cue_tokens(REQUEST_CUES)
BUG_CUE_TOKENS = cue_tokens(BUG_CUES)


def _contains(tokens, phrase):
    m = len(phrase)
    for i in range(len(tokens) - m + 1):
        if tokens[i:i + m] == phrase:
            return True
    return False


def feature_strings(text):
    """The feature strings of one sentence: (lexical, other), in order, with repeats.

    Lexical features (words, word pairs, character n-grams) are counted and scaled to unit
    length, so that long and short sentences weigh alike; the others (cue phrases,
    punctuation, length) count 1 each, whatever the length."""
    b = text.encode("utf-8") if isinstance(text, str) else text
    toks = tokenize(b)
    lexical = []
    prev = b"<s>"
    for t in toks:
        lexical.append(b"w:" + t)
        lexical.append(b"b:" + prev + b" " + t)
        prev = t
        if len(t) <= MAX_CHAR_WORD:
            p = b" " + t + b" "
            for k in range(CHAR_NGRAMS[0], CHAR_NGRAMS[1] + 1):
                for i in range(len(p) - k + 1):
                    lexical.append(b"g:" + p[i:i + k])
    other = []
    if b"?" in b:
        other.append(b"p:?")
    if b"!" in b:
        other.append(b"p:!")
    other.append(b"n:%d" % min(len(toks) // 4, 8))
    for kind, cues in ((b"r", REQUEST_CUE_TOKENS), (b"b", BUG_CUE_TOKENS)):
        hit = False
        for phrase in cues:
            if phrase and _contains(toks, phrase):
                other.append(b"q:" + kind + b":" + b" ".join(phrase))
                hit = True
        if hit:
            other.append(b"q:" + kind)
    return lexical, other


def features(text, bits=BUCKET_BITS):
    """The feature vector of one sentence: [(bucket, value)] sorted by bucket.

    value = lexical count / L2 norm of the lexical counts + other count."""
    mask = (1 << bits) - 1
    lexical, other = feature_strings(text)
    lex = {}
    for f in lexical:
        k = fnv1a32(f) & mask
        lex[k] = lex.get(k, 0) + 1
    oth = {}
    for f in other:
        k = fnv1a32(f) & mask
        oth[k] = oth.get(k, 0) + 1
    norm = math.sqrt(sum(c * c for c in lex.values()))
    out = []
    for k in sorted(set(lex) | set(oth)):
        c = lex.get(k, 0)
        out.append((k, (c / norm if c else 0.0) + oth.get(k, 0)))
    return out


def cue_hits(text):
    """(request cue found, bug cue found): the cue-phrase-only baseline."""
    toks = tokenize(text)
    req = any(p and _contains(toks, p) for p in REQUEST_CUE_TOKENS)
    bug = any(p and _contains(toks, p) for p in BUG_CUE_TOKENS)
    return req, bug


def sigmoid(z):
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


# ------------------------------------------------------------------------------------------
# Data and the split


def in_train(dataset, row_id):
    """The fixed split: FNV-1a of "dataset:id"; 70 of every 100 hash values train."""
    return fnv1a32(("%s:%s" % (dataset, row_id)).encode("utf-8")) % 100 < TRAIN_PERCENT


def _read(path):
    csv.field_size_limit(1 << 26)
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load(data_dir):
    """Rows (dataset, id, text, request label, bug label) of the three sets."""
    rows = []
    for r in _read(os.path.join(data_dir, "tizard_forum_sentences_dev.csv")):
        label = r["label"].strip().lower()
        rows.append(("tizard", r["id"], r["sentence"], label == "feature request",
                     label == "apparent bug"))
    for r in _read(os.path.join(data_dir, "clap_reviews.csv")):
        cat = r["category"].strip().upper()
        rows.append(("clap", r["id"], r["review"], cat == "FEATURE", cat == "BUG"))
    for i, r in enumerate(_read(os.path.join(data_dir, "nlbse24_issues_train.csv")), 1):
        label = r["label"].strip().lower()
        rows.append(("nlbse", str(i), r["title"], label == "feature", label == "bug"))
    return rows


# ------------------------------------------------------------------------------------------
# Training: logistic regression by AdaGrad SGD with L2, fixed seed

DATASET_WEIGHT = {"tizard": 4.0}  # forum sentences are closest to speech and the rarest
EPOCHS = 12
LEARNING_RATE = 0.5
L2 = 1e-5
FOLDS = 5


def train(xs, ys, ws, bits=BUCKET_BITS):
    """Weights (2^bits floats) and bias of a logistic regression on examples xs (feature
    vectors), labels ys (0/1) and example weights ws."""
    size = 1 << bits
    w = [0.0] * size
    g2 = [1e-8] * size
    bias = 0.0
    bg2 = 1e-8
    order = list(range(len(xs)))
    rng = random.Random(SEED)
    for _ in range(EPOCHS):
        rng.shuffle(order)
        for n in order:
            x = xs[n]
            z = bias
            for k, v in x:
                z += w[k] * v
            g = (sigmoid(z) - ys[n]) * ws[n]
            for k, v in x:
                grad = g * v + L2 * w[k]
                g2[k] += grad * grad
                w[k] -= LEARNING_RATE * grad / math.sqrt(g2[k])
            bg2 += g * g
            bias -= LEARNING_RATE * g / math.sqrt(bg2)
    return w, bias


def logit(w, bias, x):
    z = bias
    for k, v in x:
        z += w[k] * v
    return z


def text_score(w, bias, sentences):
    """The extractor's view of a text: the best score of its sentences."""
    return max(sigmoid(logit(w, bias, x)) for x in sentences)


def prf(pred, gold):
    tp = sum(1 for p, g in zip(pred, gold) if p and g)
    fp = sum(1 for p, g in zip(pred, gold) if p and not g)
    fn = sum(1 for p, g in zip(pred, gold) if g and not p)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f, tp + fn


def sentence_vectors(text):
    b = text.encode("utf-8")
    return [features(b[s:e]) for s, e in split_sentences(b)] or [features(b"")]


def fold_of(row):
    """The cross-validation fold (0..FOLDS-1) of a training row."""
    return fnv1a32(("fold:%s:%s" % (row[0], row[1])).encode()) % FOLDS


def tune_threshold(rows, vecs, label):
    """Out-of-fold scores on the training rows (FOLDS folds by hash), then the threshold that
    maximises the mean F1 over the forum sentences and the reviews."""
    fold = [fold_of(r) for r in rows]
    oof = [0.0] * len(rows)
    for f in range(FOLDS):
        idx = [i for i in range(len(rows)) if fold[i] != f]
        w, bias = train([vecs[i][0] for i in idx], [1.0 if rows[i][label] else 0.0 for i in idx],
                        [DATASET_WEIGHT.get(rows[i][0], 1.0) for i in idx])
        for i in range(len(rows)):
            if fold[i] == f:
                oof[i] = text_score(w, bias, vecs[i][1])
    best = None
    for step in range(5, 96):
        th = step / 100.0
        f1s = []
        for ds in ("tizard", "clap"):
            ii = [i for i in range(len(rows)) if rows[i][0] == ds]
            f1s.append(prf([oof[i] >= th for i in ii], [rows[i][label] for i in ii])[2])
        mean = sum(f1s) / len(f1s)
        if best is None or mean > best[0]:
            best = (mean, th, f1s)
    return best


# ------------------------------------------------------------------------------------------
# The model file


def quantise(w):
    return int(round(w * WEIGHT_SCALE))


def write_model(path, models, cfg):
    """models: {"request": (w, bias, threshold), "bug": (...)}."""
    rw, rb, rt = models["request"]
    bw, bb, bt = models["bug"]
    lines = [
        "# callsift offline extractor model, written by extractor/model/train_request_model.py:",
        "# retrain instead of editing. Two logistic regressions over hashed features;",
        "# see docs/QUALITY.md. Trained on the %s." % cfg,
        "callsift-offline-model %d" % MODEL_FORMAT,
        "bucket_bits %d" % BUCKET_BITS,
        "char_ngrams %d %d" % CHAR_NGRAMS,
        "max_char_word %d" % MAX_CHAR_WORD,
        "weight_scale %d" % WEIGHT_SCALE,
        "request_bias %.17g" % rb,
        "request_threshold %.17g" % rt,
        "bug_bias %.17g" % bb,
        "bug_threshold %.17g" % bt,
    ]
    lines += ["cue request %s" % c for c in REQUEST_CUES]
    lines += ["cue bug %s" % c for c in BUG_CUES]
    rows = []
    for k in range(len(rw)):
        qr, qb = quantise(rw[k]), quantise(bw[k])
        if qr or qb:
            rows.append((k, qr, qb))
    # Buckets as gaps from the previous one: smaller file, same content.
    lines.append("weights %d" % len(rows))
    prev = 0
    for k, qr, qb in rows:
        lines.append("%d %d %d" % (k - prev, qr, qb))
        prev = k
    lines.append("end")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def read_model(path):
    """(request weights, request bias, request threshold, bug weights, bug bias, bug threshold)
    as the C loader sees them: quantised weights divided by the scale."""
    rw, bw = {}, {}
    head = {}
    with open(path, encoding="utf-8") as f:
        it = iter(f.read().split("\n"))
        for line in it:
            if not line or line.startswith("#") or line.startswith("cue "):
                continue
            key, _, value = line.partition(" ")
            if key == "weights":
                k = 0
                for _ in range(int(value)):
                    d, qr, qb = next(it).split()
                    k += int(d)
                    rw[k] = int(qr) / WEIGHT_SCALE
                    bw[k] = int(qb) / WEIGHT_SCALE
                continue
            head[key] = value
    return (rw, float(head["request_bias"]), float(head["request_threshold"]), bw,
            float(head["bug_bias"]), float(head["bug_threshold"]))


def model_score(weights, bias, text):
    z = bias
    for k, v in features(text):
        z += weights.get(k, 0.0) * v
    return sigmoid(z)


# Hand-written sentences (not from any data set) whose scores tests/unit/test_offline.c
# checks against the C implementation.
PARITY_SENTENCES = [
    "We really need a way to sync tickets with Salesforce.",
    "The export crashes every time we open it!",
    "Thanks, that was a great demo.",
    "Could you add a dark mode? It'd be nice to have.",
    "Naïve café — “quoted” words, don’t split 2024’s numbers 3.14",
    "",
    "ok",
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=DEFAULT_DATA, help="folder of the feedback CSV files")
    ap.add_argument("--out", default=DEFAULT_OUT, help="the model file to write")
    ap.add_argument("--parity", action="store_true",
                    help="only print the scores of the parity sentences with the model in --out")
    ap.add_argument("--hold-out-fold", type=int, choices=range(FOLDS), default=None,
                    help="leave this cross-validation fold of the training part out (a "
                         "development model, for quality.py --split dev)")
    args = ap.parse_args()

    if args.parity:
        rw, rb, _, bw, bb, _ = read_model(args.out)
        for s in PARITY_SENTENCES:
            print("%-60r request %.12f bug %.12f" % (s, model_score(rw, rb, s),
                                                     model_score(bw, bb, s)))
        return 0

    rows = [r for r in load(args.data) if in_train(r[0], r[1])]
    if args.hold_out_fold is not None:
        rows = [r for r in rows if fold_of(r) != args.hold_out_fold]
    sys.stderr.write("training rows: %d\n" % len(rows))
    vecs = [(features(r[2]), sentence_vectors(r[2])) for r in rows]
    weights = [DATASET_WEIGHT.get(r[0], 1.0) for r in rows]
    models = {}
    for name, label in (("request", 3), ("bug", 4)):
        mean, th, f1s = tune_threshold(rows, vecs, label)
        sys.stderr.write("%s: threshold %.2f, cross-validated F1 tizard %.3f clap %.3f\n"
                         % (name, th, f1s[0], f1s[1]))
        w, bias = train([v[0] for v in vecs], [1.0 if r[label] else 0.0 for r in rows], weights)
        models[name] = (w, bias, th)
    counts = {}
    for r in rows:
        counts[r[0]] = counts.get(r[0], 0) + 1
    cfg = "training part (%s) of ../shared/eval/feedback" % ", ".join(
        "%s %d rows" % (k, counts[k]) for k in sorted(counts))
    write_model(args.out, models, cfg)
    sys.stderr.write("wrote %s (%d bytes)\n" % (args.out, os.path.getsize(args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
