import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import SluiceServer

extension ServerModelTests {
/// GBNF grammars on the real model: every output is checked by a reading that is not the grammar engine's
/// (Foundation's regular expressions for the regular grammars, a recursive reader for arithmetic).
@Suite("GBNF grammars through the API")
struct GrammarHandlerTests {
    /// In the style of llama.cpp's `grammars/list.gbnf`, written for this test.
    static let list = #"root ::= item{2,3}\nitem ::= \"- \" [a-z] [a-z ]{2,16} \"\\n\"   # one per line"#
    static let listPattern = "^(- [a-z][a-z ]{2,16}\n){2,3}$"
    static let arithmetic = #"root ::= expr\nexpr ::= term ([-+*] term){0,3}\nterm ::= [1-9] [0-9]? | \"(\" expr \")\""#
    static let chess = #"root ::= \"1. \" move \" \" move\nmove ::= ([a-h] \"x\")? [a-h] [1-8] | [NBRQK] \"x\"? [a-h] [1-8] | \"O-O\" \"-O\"?"#
    static let chessMove = "(([a-h]x)?[a-h][1-8]|[NBRQK]x?[a-h][1-8]|O-O(-O)?)"
    static let chessPattern = "^1\\. " + chessMove + " " + chessMove + "$"

    static func matches(_ text: String, _ pattern: String) -> Bool {
        text.range(of: pattern, options: .regularExpression) != nil
    }

    /// Whether `text` is an expression of ``arithmetic``, by recursive descent.
    static func isArithmetic(_ text: String) -> Bool {
        let characters = Array(text)
        func term(_ i: Int) -> Int? {
            guard i < characters.count else { return nil }
            if characters[i] == "(" {
                guard let j = expression(i + 1), j < characters.count, characters[j] == ")" else { return nil }
                return j + 1
            }
            guard ("1"..."9").contains(characters[i]) else { return nil }
            return i + 1 < characters.count && characters[i + 1].isASCII && characters[i + 1].isNumber ? i + 2 : i + 1
        }
        func expression(_ i: Int) -> Int? {
            guard var end = term(i) else { return nil }
            for _ in 0..<3 {
                guard end < characters.count, "-+*".contains(characters[end]), let next = term(end + 1) else { break }
                end = next
            }
            return end
        }
        return expression(0) == characters.count
    }

    @Test("llama-server's grammar, vLLM's guided_grammar and structured_outputs.grammar hold, on completions and chat")
    func holds() async throws {
        try await ServerFixture.withServer { client, _ in
            let listed = try await client.post("/v1/completions", #"""
                {"prompt": "Fruits:\n", "max_tokens": 40, "temperature": 1, "seed": 2, "n": 3, "grammar": "\#(Self.list)"}
                """#).json
            let texts = try #require(listed["choices"]?.array?.compactMap { $0["text"]?.string })
            #expect(texts.count == 3)
            for text in texts { #expect(Self.matches(text, Self.listPattern), "\(text.debugDescription)") }

            let sums = try await client.post("/v1/completions", #"""
                {"prompt": "2+2=4, 3*(1+2)=9, ", "max_tokens": 30, "temperature": 0.7, "seed": 9, "n": 3,
                 "guided_grammar": "\#(Self.arithmetic)"}
                """#).json
            for text in try #require(sums["choices"]?.array?.compactMap { $0["text"]?.string }) {
                #expect(Self.isArithmetic(text), "\(text.debugDescription)")
            }

            let chat = try await client.post("/v1/chat/completions", #"""
                {"messages": [{"role": "user", "content": "Open a chess game."}], "max_tokens": 20, "temperature": 0,
                 "structured_outputs": {"grammar": "\#(Self.chess)"}}
                """#).json
            let moves = try #require(chat["choices"]?[0]?["message"]?["content"]?.string)
            #expect(Self.matches(moves, Self.chessPattern), "\(moves.debugDescription)")
            #expect(chat["choices"]?[0]?["finish_reason"] == .string("stop"))

            let streamed = try await client.post("/v1/chat/completions", #"""
                {"messages": [{"role": "user", "content": "Name fruits."}], "max_tokens": 40, "temperature": 0,
                 "stream": true, "grammar": "\#(Self.list)"}
                """#)
            let text = try streamed.chunks.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.string }.joined()
            #expect(Self.matches(text, Self.listPattern), "\(text.debugDescription)")
        }
    }

    @Test("bad grammars are 400s naming the field, the problem and its line and column", arguments: [
        (#""grammar": "root ::= item+\nitems ::= \"a\"""#, "grammar", "line 1, column 10: rule `item` is used but never defined"),
        (#""structured_outputs": {"grammar": "root ::= (\"a\""}"#, "structured_outputs", "line 1, column 10: `(` is not closed"),
        (#""guided_grammar": "item ::= \"a\"""#, "guided_grammar", "no `root` rule"),
        (#""grammar": """#, "grammar", "no rules"),
        (#""grammar": "root ::= <think>""#, "grammar", "token references"),
    ])
    func refused(fields: String, param: String, message: String) async throws {
        try await ServerFixture.withServer { client, _ in
            let response = try await client.post("/v1/chat/completions", #"""
                {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2, \#(fields)}
                """#)
            #expect(response.status == .badRequest)
            let error = try #require(try response.json["error"])
            #expect(error["param"] == .string(param))
            #expect(error["message"]?.string?.contains(message) == true, "\(error)")
        }
    }
}
}
