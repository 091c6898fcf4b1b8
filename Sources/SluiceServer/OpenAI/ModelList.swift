/// The body of `GET /v1/models`: the one model this server serves.
struct ModelList: Encodable, Sendable {
    var models: [ModelCard]

    enum CodingKeys: String, CodingKey { case object, data }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("list", forKey: .object)
        try container.encode(models, forKey: .data)
    }
}

/// One served model, in OpenAI's shape plus vLLM's `max_model_len`.
struct ModelCard: Encodable, Sendable {
    var id: String
    /// When the server started, in seconds since 1970.
    var created: Int
    var maxModelLength: Int

    enum CodingKeys: String, CodingKey {
        case id, object, created, root, parent
        case ownedBy = "owned_by"
        case maxModelLength = "max_model_len"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode("model", forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode("sluice", forKey: .ownedBy)
        try container.encode(id, forKey: .root)
        try container.encodeNil(forKey: .parent)
        try container.encode(maxModelLength, forKey: .maxModelLength)
    }
}
