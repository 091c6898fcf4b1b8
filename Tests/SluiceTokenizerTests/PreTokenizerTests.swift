import Testing
@testable import SluiceTokenizer

/// The words `preTokenizer` splits `text` into.
private func words(_ preTokenizer: PreTokenizer, _ text: String) -> [String] {
    let scalars = Array(text.unicodeScalars)
    return preTokenizer.split(scalars).map { range in
        var word = String.UnicodeScalarView()
        word.append(contentsOf: scalars[range])
        return String(word)
    }
}

@Suite("GPT-2 pre-tokenizer")
struct GPT2PreTokenizerTests {
    @Test("a word keeps the single space before it")
    func spaceBeforeWord() {
        #expect(words(.gpt2, "Hello world") == ["Hello", " world"])
        #expect(words(.gpt2, " 42 apples") == [" 42", " apples"])
    }

    @Test("lower-case contractions split off; upper-case ones do not match")
    func contractions() {
        #expect(words(.gpt2, "it's they're we've I'm you'll he'd don't") == [
            "it", "'s", " they", "'re", " we", "'ve", " I", "'m", " you", "'ll", " he", "'d", " don", "'t",
        ])
        #expect(words(.gpt2, "IT'S") == ["IT", "'", "S"])
    }

    @Test("several spaces before a word leave one space to the word")
    func multipleSpaces() {
        #expect(words(.gpt2, "a   b") == ["a", "  ", " b"])
        #expect(words(.gpt2, "  trailing  ") == [" ", " trailing", "  "])
    }

    @Test("newlines before text split one at a time, as whitespace not followed by non-space")
    func newlines() {
        #expect(words(.gpt2, "x\n\ny") == ["x", "\n", "\n", "y"])
        #expect(words(.gpt2, "end\n\n") == ["end", "\n\n"])
    }

    @Test("punctuation runs stay together and take one leading space")
    func punctuation() {
        #expect(words(.gpt2, "hello!!! world...") == ["hello", "!!!", " world", "..."])
        #expect(words(.gpt2, "a ?!") == ["a", " ?!"])
    }

    @Test("digit runs stay together")
    func digits() {
        #expect(words(.gpt2, "x 1234567") == ["x", " 1234567"])
    }

    @Test("letters of any script are letters; combining marks are not")
    func unicodeLetters() {
        #expect(words(.gpt2, "naïve ǅungla 你好") == ["naïve", " ǅungla", " 你好"])
        #expect(words(.gpt2, "cafe\u{301} ok") == ["cafe", "\u{301}", " ok"])
    }
}

@Suite("SmolLM pre-tokenizer")
struct DigitsThenGPT2PreTokenizerTests {
    @Test("every digit is a word by itself, and a space before a number stays alone")
    func digits() {
        #expect(words(.digitsThenGPT2, "x1 y22 123") == ["x", "1", " y", "2", "2", " ", "1", "2", "3"])
        #expect(words(.digitsThenGPT2, "Hello world") == ["Hello", " world"])
    }
}

@Suite("Llama 3 and Qwen2 pre-tokenizers")
struct Llama3PreTokenizerTests {
    @Test("contractions match in either case")
    func contractions() {
        #expect(words(.llama3, "IT'S we'VE") == ["IT", "'S", " we", "'VE"])
        #expect(words(.qwen2, "don't") == ["don", "'t"])
    }

    @Test("Llama 3 splits numbers into runs of three from the left; Qwen2 into single digits")
    func numbers() {
        #expect(words(.llama3, "1234567") == ["123", "456", "7"])
        #expect(words(.qwen2, "1234") == ["1", "2", "3", "4"])
        #expect(words(.llama3, "x 12") == ["x", " ", "12"])
    }

    @Test("any one non-letter, non-digit, non-newline scalar leads a run of letters")
    func letterPrefix() {
        #expect(words(.llama3, "$hello\tworld") == ["$hello", "\tworld"])
        #expect(words(.llama3, "a\nb") == ["a", "\n", "b"])
    }

    @Test("whitespace runs end at their last newline")
    func newlines() {
        #expect(words(.llama3, "hello\n\nworld") == ["hello", "\n\n", "world"])
        #expect(words(.llama3, "  \n  x") == ["  \n", " ", " x"])
        #expect(words(.llama3, "a \n b") == ["a", " \n", " b"])
    }

    @Test("punctuation runs take a leading space and the newlines after them")
    func punctuation() {
        #expect(words(.llama3, "ok...\n\nnext") == ["ok", "...\n\n", "next"])
        #expect(words(.llama3, "a !?") == ["a", " !?"])
    }

    @Test("several spaces before a word leave one space to the word")
    func multipleSpaces() {
        #expect(words(.llama3, "a    b") == ["a", "   ", " b"])
        #expect(words(.qwen2, "a  ") == ["a", "  "])
    }
}

@Suite("default pre-tokenizer")
struct StandardPreTokenizerTests {
    @Test("punctuation and symbol runs split first, then GPT-2's regex, then digit triples")
    func sequence() {
        #expect(words(.standard, "Hello, world!") == ["Hello", ",", " world", "!"])
        #expect(words(.standard, "a+=b don't") == ["a", "+=", "b", " don", "'", "t"])
        #expect(words(.standard, "12345") == ["123", "45"])
    }

    @Test("a missing or \"default\" name selects it; an unknown name is an error")
    func names() throws {
        #expect(try PreTokenizer.configuration(named: nil).preTokenizer == .standard)
        #expect(try PreTokenizer.configuration(named: "default").preTokenizer == .standard)
        #expect(try PreTokenizer.configuration(named: "llama-bpe") == .init(preTokenizer: .llama3, ignoresMerges: true, addsBOSByDefault: true))
        #expect(throws: TokenizerError.unsupportedPreTokenizer("tekken")) {
            try PreTokenizer.configuration(named: "tekken")
        }
    }
}
