import Foundation
import SluiceAssets
import SluiceModel

/// The default model's path, fetched into the cache (`$SLUICE_CACHE`, default `~/.cache/sluice`) on first use.
func defaultModelPath() -> String {
    do {
        return try DefaultModel.ensure { print($0) }
    } catch {
        fatalError("tokenizer tests need the default model: \(error)")
    }
}
