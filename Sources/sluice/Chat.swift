import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import SluiceAssets
import SluiceBench
import SluiceEngine
import SluiceServer

/// `sluice chat`: an interactive chat in the terminal, with a local model or a running server.
struct Chat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chat with a model in the terminal: a local model, or a running server (--url).",
        discussion: """
            Type a message and press Enter; the answer streams back. Commands: /reset forgets the \
            conversation, /system TEXT sets the system prompt (and resets), /help lists them, /exit \
            (or end of input) quits.
            """)

    @Option(help: "A GGUF file, or a catalog name (`sluice models`) fetched on first use; default: smollm2-135m.")
    var model: String?

    @Option(help: "A running OpenAI-compatible server's base URL (such as http://127.0.0.1:8000), instead of a local model.")
    var url: String?

    @Option(help: "The API key the server expects (with --url).")
    var apiKey: String?

    @Option(help: "A system prompt to start with.")
    var system: String?

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0.7

    @Option(help: "The most tokens one answer may have.")
    var maxTokens: Int = 1024

    @OptionGroup var engineFlags: EngineFlags

    func validate() throws {
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
        guard temperature.isFinite, temperature >= 0 else { throw ValidationError("--temperature must be 0 or more") }
        if url != nil, model != nil { throw ValidationError("give --model or --url, not both") }
    }

    func run() async throws {
        let backend: any ChatBackend
        do {
            if let url {
                backend = try RemoteChatBackend(baseURL: url, apiKey: apiKey)
            } else {
                backend = try LocalChatBackend(model: model, engineFlags: engineFlags)
            }
        } catch {
            logToStderr("error: \(error)")
            throw ExitCode.failure
        }
        defer { backend.close() }
        var session = ChatSession(system: system)
        let output = FileHandle.standardOutput
        logToStderr("chatting with \(backend.name); /help for commands")
        while true {
            output.write(Data("> ".utf8))
            guard let line = readLine() else { break }
            switch session.handle(line) {
            case .exit:
                return
            case .say(let text):
                output.write(Data((text + "\n").utf8))
            case .ask(let messages):
                do {
                    let answer = try await backend.reply(
                        to: messages, temperature: temperature, maxTokens: maxTokens) { output.write(Data($0.utf8)) }
                    output.write(Data("\n".utf8))
                    session.record(answer: answer)
                } catch {
                    // The turn is dropped, so the next one does not build on a failed answer.
                    session.dropLastQuestion()
                    logToStderr("error: \(error)")
                }
            }
        }
    }
}

/// The conversation and the commands that edit it, apart from any model (tested on its own).
struct ChatSession {
    private(set) var system: String?
    private(set) var turns: [ChatMessage] = []

    /// What a line of input asks for.
    enum Action: Equatable {
        case exit
        /// Print this; nothing is generated.
        case say(String)
        /// Generate the answer to this conversation.
        case ask([ChatMessage])
    }

    static let help = """
        /reset          forget the conversation (the system prompt stays)
        /system TEXT    set the system prompt and start over (/system alone clears it)
        /exit, /quit    leave (so does end of input)
        """

    init(system: String?) {
        self.system = system
    }

    /// The conversation as the model sees it.
    var messages: [ChatMessage] {
        (system.map { [ChatMessage(role: "system", content: $0)] } ?? []) + turns
    }

    mutating func handle(_ line: String) -> Action {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("/") else {
            guard !trimmed.isEmpty else { return .say("") }
            turns.append(ChatMessage(role: "user", content: line))
            return .ask(messages)
        }
        let command = trimmed.prefix { !$0.isWhitespace }
        let argument = trimmed.dropFirst(command.count).trimmingCharacters(in: .whitespaces)
        switch command {
        case "/exit", "/quit":
            return .exit
        case "/reset":
            turns.removeAll()
            return .say("(conversation reset)")
        case "/system":
            system = argument.isEmpty ? nil : argument
            turns.removeAll()
            return .say(argument.isEmpty ? "(system prompt cleared; conversation reset)" : "(system prompt set; conversation reset)")
        case "/help":
            return .say(Self.help)
        default:
            return .say("unknown command \(command); /help lists the commands")
        }
    }

    mutating func record(answer: String) {
        turns.append(ChatMessage(role: "assistant", content: answer))
    }

    mutating func dropLastQuestion() {
        if turns.last?.role == "user" { turns.removeLast() }
    }
}

/// Where answers come from.
protocol ChatBackend: Sendable {
    var name: String { get }
    /// Streams the answer to `messages` through `onText` and returns it whole.
    func reply(to messages: [ChatMessage], temperature: Float, maxTokens: Int,
               onText: @Sendable (String) -> Void) async throws -> String
    func close()
}

/// A model loaded in this process, run by an ``Engine``, its prompts rendered by its own chat template.
struct LocalChatBackend: ChatBackend {
    let name: String
    private let engine: Engine
    private let renderer: any ChatTemplateRenderer
    private let tokenize: @Sendable (String) -> [Int]

    init(model: String?, engineFlags: EngineFlags) throws {
        let path = try ModelReference.path(for: model) { logToStderr($0.description) }
        let loaded = try LoadedModel(path: path)
        var options = try engineFlags.optionsLoadingDraftModel { logToStderr($0.description) }
        if engineFlags.kvCacheMemory == nil {
            // One conversation: a pool for the model's context (up to 16k tokens), as `generate` sizes it.
            let tokens = min(loaded.model.configuration.contextLength, 16_384)
            options.kvCacheMemory = KVCapacity.memory(
                forTokens: tokens, bytesPerToken: options.resolvedBackend.kvBytesPerToken(for: loaded.model),
                blockSize: options.blockSize, numGroups: loaded.model.kvCacheLayout.groups.count)
        }
        engine = try Engine(model: loaded.model, tokenizer: loaded.tokenizer, options: options)
        renderer = try JinjaChatRenderer.forModel(file: loaded.file, tokenizer: loaded.tokenizer)
        let tokenizer = loaded.tokenizer
        tokenize = { tokenizer.encode($0, addSpecialTokens: false, parseSpecial: true) }
        name = URL(fileURLWithPath: path).lastPathComponent
    }

    func reply(to messages: [ChatMessage], temperature: Float, maxTokens: Int,
               onText: @Sendable (String) -> Void) async throws -> String {
        let prompt = tokenize(try renderer.render(messages: messages, addGenerationPrompt: true))
        // What is left of the context after the conversation, at most --max-tokens.
        let room = engine.config.maxModelLength - prompt.count
        guard room >= 1 else {
            throw ValidationError("the conversation (\(prompt.count) tokens) fills the model's context; /reset to start over")
        }
        let params = SamplingParams(temperature: temperature, maxTokens: min(maxTokens, room))
        var answer = ""
        for try await delta in try engine.generate(prompt: .tokenIDs(prompt), params: params) {
            onText(delta.text)
            answer += delta.text
        }
        return answer
    }

    func close() {
        engine.shutdown()
    }
}

/// A running server's `/v1/chat/completions`, streamed.
struct RemoteChatBackend: ChatBackend {
    let name: String
    private let http: HTTPClient
    private let endpoint: String
    private let apiKey: String?

    init(baseURL: String, apiKey: String?) throws {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/v1") { base.removeLast(3) }
        guard let url = URL(string: base), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ValidationError("--url must be an http(s) URL such as http://127.0.0.1:8000, got \(baseURL)")
        }
        endpoint = base + "/v1/chat/completions"
        self.apiKey = apiKey
        http = HTTPClient(eventLoopGroupProvider: .singleton)
        name = base
    }

    func reply(to messages: [ChatMessage], temperature: Float, maxTokens: Int,
               onText: @Sendable (String) -> Void) async throws -> String {
        let body: [String: Any] = [
            "messages": messages.map { ["role": $0.role, "content": $0.content] },
            "temperature": temperature, "max_tokens": maxTokens, "stream": true,
        ]
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        let response = try await http.execute(request, timeout: .hours(1))
        guard response.status == .ok else {
            let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
            throw ValidationError("the server answered \(response.status.code): \(text)")
        }
        var parser = ServerSentEventParser()
        var answer = ""
        for try await buffer in response.body {
            for payload in parser.feed(buffer.readableBytesView) {
                switch try StreamChunk(payload: payload) {
                case .chunk(let text, _):
                    onText(text)
                    answer += text
                case .error(let message):
                    throw ValidationError("the server reported an error mid-answer: \(message)")
                case .done:
                    return answer
                }
            }
        }
        return answer
    }

    func close() {
        try? http.syncShutdown()
    }
}
