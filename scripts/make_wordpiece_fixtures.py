"""Writes Tests/SluiceTokenizerTests/Resources/wordpiece_minilm.json: a committed set of a few
thousand strings (edge cases by hand, ShareGPT text, random mixes of many scripts, random characters
from all of Unicode) and their ids
under all-MiniLM-L6-v2's tokenizer.json, encoded by Hugging Face's `tokenizers`, for
WordPieceTokenizerTests.

It also builds a WordPiece tokenizer in `tokenizers` from the nomic-embed-text GGUF's own
vocabulary (llama.cpp's rewrite of WordPiece undone) and records whether it gives the same ids;
when it does not, its ids are written too.

    scripts/setup_hf_python.sh
    swift run sluice pull minilm nomic-embed
    ~/.cache/sluice/hf-venv/bin/python scripts/make_wordpiece_fixtures.py

It also writes Tests/SluiceTokenizerTests/Resources/bert_character_classes.json: over every code
point, the characters BERT's clean-up drops and those its pre-tokenizer splits off as punctuation,
as ranges, measured through `tokenizers` itself (Sources/SluiceTokenizer/BertCharacterClass.swift
derives them from Unicode 8.0's categories, which are its tables').
"""
import json
import os
import random
import sys
import unicodedata

import gguf
import tokenizers
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("SLUICE_CACHE") or os.path.expanduser("~/.cache/sluice")
MINILM = os.path.join(CACHE, "models/all-minilm-l6-v2/tokenizer.json")
NOMIC = os.path.join(CACHE, "models/nomic-embed-text-v1.5.f16.gguf")
SHAREGPT = os.path.join(CACHE, "datasets/ShareGPT_V3_unfiltered_cleaned_split.json")
OUT = os.path.join(REPO, "Tests/SluiceTokenizerTests/Resources/wordpiece_minilm.json")
CLASSES_OUT = os.path.join(REPO, "Tests/SluiceTokenizerTests/Resources/bert_character_classes.json")

HAND_WRITTEN = [
    "", " ", "   ", "\t\n\r", "hello", "Hello, World!", "HELLO world", "unaffable", "playing played plays",
    "The quick brown fox jumps over the lazy dog.", "I can't believe it's not butter!", "don't won't shouldn't",
    "e-mail self-driving state-of-the-art", "U.S.A. vs. U.K.", "3.14159 1,000,000 -42 +7 1e-9 0x1F",
    "$100 + 5% = <yes> ^ `code` | ~tilde~ {braces} [brackets] (parens) @user #tag &amp; *star* _under_ \\back/",
    "path/to/file.txt C:\\Windows\\System32 https://example.com/a?b=c&d=e#frag",
    "def add(a, b):\n    return a + b\n", "for (int i = 0; i < n; ++i) { sum += x[i]; }",
    "SELECT * FROM users WHERE id = 42;", "console.log(`${name}: ${value}`);", "x => x * 2", "a != b && c >= d || !e",
    "<html><body class=\"main\">Hi</body></html>", "{\"key\": [1, 2.5, null, true]}",
    # Mixed whitespace, and whitespace BERT's clean-up maps to a space.
    "a\tb\nc\rd", "a\u00a0b\u3000c\u2009d\u202fe\u2028f\u2029g", "  leading and trailing  ", "many     spaces",
    "\u1680ogham\u2000space", "tab\t\ttab", "line\n\n\nbreaks",
    # Control, format and replacement characters, which clean-up drops.
    "nul\u0000char", "bell\u0007and\u001bescape", "zero\u200bwidth\u200cnon\u200djoiner", "bom\ufeffhere",
    "replacement\ufffdchar", "soft\u00adhyphen", "del\u007fete", "vt\u000bff\u000cnel\u0085", "private\ue000use\U000F0000",
    "rtl\u202emark\u202c", "\u2060word\u2061joiner",
    # Accents and diacritics.
    "Café naïve résumé façade coöperate", "Straße ÄÖÜ äöü groß", "¿Qué tal? ¡Mañana! niño", "Zażółć gęślą jaźń",
    "Příliš žluťoučký kůň úpěl ďábelské ódy", "Tiếng Việt có dấu: Hà Nội, Sài Gòn", "İstanbul ıIiİ ı i̇",
    "Ångström Øre Æsir œuvre", "Crème brûlée à la carte", "São Paulo ação", "Ελληνικά: Οδυσσέας ΣΊΣΥΦΟΣ ς",
    "e\u0301 n\u0303 a\u0308 o\u0328", "Z\u0351\u0367\u0311a\u036b\u0343l\u0368g\u0310o\u0354", "ǅ ǈ ǋ ﬁ ﬂ ﬀ",
    "Ⅻ ⅻ ① ² ³ ½ ™ ℃ №", "ＡＢＣ１２３ｘｙｚ", "Ǻ ǻ Ḃ ḃ ẞ",
    # Other scripts.
    "Привет, как дела? ЁЖИК ёжик", "Україна: Київ, Львів", "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया",
    "สวัสดีชาวโลก", "안녕하세요 세계", "こんにちは世界、カタカナとひらがな。", "我爱自然语言处理。", "繁體中文測試：臺灣",
    "日本語の文章です。東京都", "中文English混合mixed文本", "漢字", "𠀀𠀁 𪜀 𫝀 𫠠 𬺰 丽", "ᄀᄁ ㄱㄲ", "ქართული",
    "Հայերեն", "አማርኛ", "ᠮᠣᠩᠭᠣᠯ", "ᐃᓄᒃᑎᑐᑦ", "ꦧꦱꦗꦮ",
    # Emoji and symbols.
    "😀 😃 😄", "👍🏽 thumbs", "👨‍👩‍👧‍👦 family", "🇫🇷🇯🇵 flags", "I ❤️ NY", "☃ ★ ♠ ♣ ♥ ♦ ✓ ✗", "🚀🔥💯",
    "∑∫√∞≤≥≠±×÷", "← → ↑ ↓ ⇒", "«quotes» „low“ “curly” ‘single’ — – … • · ¶ §", "©®° µ ¥ € £ ¢",
    # Long words, around max_input_chars_per_word (100).
    "a" * 99, "a" * 100, "a" * 101, "x" * 250, "supercalifragilisticexpialidocious" * 3,
    "pneumonoultramicroscopicsilicovolcanoconiosis", "é" * 100, "é" * 101, "日" * 120, "ab" * 60 + " ok",
    "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft",
    # Special tokens written in the text (tokenizers cuts them out even without add_special_tokens).
    "[CLS] hello [SEP]", "[MASK]", "fill [MASK] in", "[UNK] unknown", "[PAD][PAD]", "[cls] lower case is text",
    "[unused0] [unused99]", "x[SEP]y", "[SEP", "CLS]", "[[CLS]]",
    # Task prefixes nomic-embed expects.
    "search_query: What is TSNE?", "search_document: TSNE is a dimensionality reduction algorithm",
    "classification: positive or negative?", "clustering: group these",
]

SCRIPTS = [
    (0x0020, 0x007E), (0x00A0, 0x00FF), (0x0100, 0x024F), (0x0300, 0x036F), (0x0370, 0x03FF), (0x0400, 0x04FF),
    (0x0590, 0x05FF), (0x0600, 0x06FF), (0x0900, 0x097F), (0x0E00, 0x0E7F), (0x1E00, 0x1EFF), (0x2000, 0x206F),
    (0x2070, 0x209F), (0x20A0, 0x20BF), (0x2100, 0x214F), (0x2190, 0x21FF), (0x2200, 0x22FF), (0x2E00, 0x2E42),
    (0x3000, 0x303F), (0x3040, 0x30FF), (0x4E00, 0x9FA5), (0xAC00, 0xD7A3), (0xFF00, 0xFFEF), (0x1F300, 0x1F5FF),
    (0x1F600, 0x1F64F), (0x0009, 0x000D),
]


def random_strings(rng, count):
    out = []
    for _ in range(count):
        pieces = []
        for _ in range(rng.randint(1, 6)):
            low, high = rng.choice(SCRIPTS)
            run = []
            for _ in range(rng.randint(1, 12)):
                c = rng.randint(low, high)
                # Characters assigned after Unicode 14 (Python's tables) are left out.
                if unicodedata.category(chr(c)) != "Cn":
                    run.append(chr(c))
            pieces.append("".join(run))
        out.append(rng.choice(["", " ", "  "]).join(pieces))
    return out


def random_unicode_strings(rng, count):
    """Strings of characters drawn from every assigned code point (Unicode 14, Python's tables), to
    exercise clean-up, accents, lower-casing and punctuation beyond the common scripts."""
    out = []
    while len(out) < count:
        chars = []
        while len(chars) < rng.randint(1, 16):
            c = rng.randrange(0x20, 0x32000)
            if 0xD800 <= c <= 0xDFFF or unicodedata.category(chr(c)) == "Cn":
                continue
            chars.append(chr(c))
            if rng.random() < 0.2:
                chars.append(" ")
        out.append("".join(chars))
    return out


def sharegpt_conversations(limit=20000):
    """The first complete records of the ShareGPT file (the packaged copy is cut off mid-record)."""
    with open(SHAREGPT) as f:
        text = f.read(64 << 20)
    decoder = json.JSONDecoder()
    position = text.index("[") + 1
    records = []
    while len(records) < limit:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        try:
            record, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            break
        records.append(record)
    return records


def sharegpt_strings(rng, count):
    conversations = sharegpt_conversations()
    turns = [t["value"] for c in conversations for t in c.get("conversations", []) if t.get("value")]
    rng.shuffle(turns)
    out = []
    for text in turns:
        if len(out) >= count:
            break
        if len(text) <= 300:
            out.append(text)
        else:
            start = rng.randrange(0, len(text) - 200)
            out.append(text[start:start + rng.randint(40, 300)])
    return out


def minilm_tokenizer():
    tok = Tokenizer.from_file(MINILM)
    tok.no_truncation()
    tok.no_padding()
    return tok


def nomic_tokenizer():
    """A WordPiece tokenizer in `tokenizers` from the nomic GGUF's vocabulary, rewritten back."""
    reader = gguf.GGUFReader(NOMIC)
    tokens = reader.fields["tokenizer.ggml.tokens"].contents()
    types = reader.fields["tokenizer.ggml.token_type"].contents()
    vocab = {}
    special = []
    for i, (t, kind) in enumerate(zip(tokens, types)):
        if kind == 3:
            text = t
            special.append(text)
        elif t.startswith("\u2581"):
            text = t[1:]
        elif t.startswith("[") and t.endswith("]"):
            text = t
        else:
            text = "##" + t
        assert text not in vocab, text
        vocab[text] = i
    cls = reader.fields["tokenizer.ggml.bos_token_id"].contents()
    sep = reader.fields["tokenizer.ggml.seperator_token_id"].contents()
    tok = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.add_special_tokens(special)
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[(tokens[cls], cls), (tokens[sep], sep)])
    return tok, vocab


def main():
    probe()
    rng = random.Random(16)
    texts = HAND_WRITTEN + sharegpt_strings(rng, 2200) + random_strings(rng, 700) + random_unicode_strings(rng, 400)
    tok = minilm_tokenizer()
    prefix, suffix = [101], [102]
    ids = []
    for text in texts:
        plain = tok.encode(text, add_special_tokens=False).ids
        full = tok.encode(text, add_special_tokens=True).ids
        assert full == prefix + plain + suffix, text
        ids.append(plain)

    nomic, nomic_vocab = nomic_tokenizer()
    minilm_vocab = tok.get_vocab()
    nomic_ids = [nomic.encode(text, add_special_tokens=False).ids for text in texts]
    for text in texts[:50]:
        assert nomic.encode(text).ids == prefix + nomic.encode(text, add_special_tokens=False).ids + suffix
    same = nomic_ids == ids
    fixture = {
        "tokenizer": "all-MiniLM-L6-v2 tokenizer.json",
        "tokenizers": tokenizers.__version__,
        "with_special_tokens": {"prefix": prefix, "suffix": suffix},
        "nomic_vocabulary_same": nomic_vocab == minilm_vocab,
        "nomic_ids_same": same,
        "cases": [{"text": t, "ids": i} for t, i in zip(texts, ids)],
    }
    if not same:
        fixture["nomic_ids"] = nomic_ids
    with open(OUT, "w") as f:
        f.write("{\n")
        for key in ("tokenizer", "tokenizers", "with_special_tokens", "nomic_vocabulary_same", "nomic_ids_same"):
            f.write(f" {json.dumps(key)}: {json.dumps(fixture[key])},\n")
        if not same:
            f.write(f' "nomic_ids": {json.dumps(nomic_ids, separators=(",", ":"))},\n')
        f.write(' "cases": [\n')
        f.write(",\n".join("  " + json.dumps(c, separators=(",", ":")) for c in fixture["cases"]))
        f.write("\n ]\n}\n")
    print(f"{len(texts)} strings, {sum(map(len, ids))} ids; nomic same vocabulary: {nomic_vocab == minilm_vocab}, "
          f"same ids: {same} -> {OUT} ({os.path.getsize(OUT)} bytes)")


def probe():
    """Writes the characters BERT's clean-up drops and its pre-tokenizer isolates, over every code point."""
    clean = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False)
    pre = pre_tokenizers.BertPreTokenizer()
    dropped, punctuation = [], []
    for c in range(0x110000):
        if 0xD800 <= c <= 0xDFFF:
            continue
        if clean.normalize_str("a" + chr(c) + "a") == "aa":
            dropped.append(c)
        if len(pre.pre_tokenize_str("a" + chr(c) + "a")) == 3:
            punctuation.append(c)
    with open(CLASSES_OUT, "w") as f:
        f.write("{\n")
        f.write(f' "tokenizers": {json.dumps(tokenizers.__version__)},\n')
        f.write(f' "dropped_by_clean_up": {json.dumps(ranges(dropped), separators=(",", ":"))},\n')
        f.write(f' "punctuation": {json.dumps(ranges(punctuation), separators=(",", ":"))}\n')
        f.write("}\n")
    print(f"{len(dropped)} dropped, {len(punctuation)} punctuation -> {CLASSES_OUT}")


def ranges(values):
    out = []
    for v in values:
        if out and out[-1][1] == v - 1:
            out[-1][1] = v
        else:
            out.append([v, v])
    return out


if __name__ == "__main__":
    main()
