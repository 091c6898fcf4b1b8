/// A binary heap whose first element is the one that `precedes` all others: the work queue of
/// the BPE merge loops.
struct Heap<Element> {
    private var elements: [Element] = []
    private let precedes: (Element, Element) -> Bool

    init(precedes: @escaping (Element, Element) -> Bool) {
        self.precedes = precedes
    }

    mutating func push(_ element: Element) {
        elements.append(element)
        var child = elements.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(elements[child], elements[parent]) else { break }
            elements.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard let first = elements.first else { return nil }
        let last = elements.removeLast()
        guard !elements.isEmpty else { return first }
        elements[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var best = parent
            if left < elements.count && precedes(elements[left], elements[best]) { best = left }
            if right < elements.count && precedes(elements[right], elements[best]) { best = right }
            if best == parent { return first }
            elements.swapAt(parent, best)
            parent = best
        }
    }
}
