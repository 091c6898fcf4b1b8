/// How many drafts a request asks for next, from how its last drafts fared, so that a request whose
/// drafts keep failing stops paying for them ("k chosen per request from measured acceptance").
///
/// After a draft kept whole, the next may be one longer (up to the configured most); after a
/// partly kept one, one longer than what was kept. Drafts that lose their first token twice in a
/// row pause the request's speculation for 2, 4, … 32 steps, doubling while they keep failing.
struct DraftLength: Sendable {
    let maximum: Int
    private(set) var limit: Int
    private var misses = 0
    private var pause = 0

    init(maximum: Int) {
        self.maximum = maximum
        limit = maximum
    }

    /// How many drafts to propose now: 0 while paused.
    mutating func next() -> Int {
        guard pause == 0 else {
            pause -= 1
            return 0
        }
        return limit
    }

    /// Learns from a verified draft of `numDrafts` tokens whose first `numAccepted` were kept.
    mutating func observe(numDrafts: Int, numAccepted: Int) {
        guard numDrafts > 0 else { return }
        if numAccepted == numDrafts {
            limit = min(maximum, limit + 1)
        } else {
            limit = max(1, numAccepted + 1)
        }
        if numAccepted == 0 {
            misses += 1
            if misses >= 2 { pause = min(32, 1 << (misses - 1)) }
        } else {
            misses = 0
        }
    }
}
