import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Python's `datetime.now().strftime(format)` for a naive local time: the C library's `strftime`
/// in the C locale (which is what Python calls), except that `%f` is microseconds and `%z`/`%Z`
/// are empty because the datetime has no time zone.
enum Strftime {
    static func format(_ pattern: String, date: Date) -> String {
        let interval = date.timeIntervalSince1970
        let seconds = interval.rounded(.down)
        var time = time_t(seconds)
        var fields = tm()
        localtime_r(&time, &fields)
        let microseconds = Int(((interval - seconds) * 1_000_000).rounded(.down))

        // Rewrite the directives Python handles itself, then let strftime do the rest.
        var rewritten = ""
        var iterator = pattern.unicodeScalars.makeIterator()
        while let scalar = iterator.next() {
            guard scalar == "%" else {
                rewritten.unicodeScalars.append(scalar)
                continue
            }
            guard let directive = iterator.next() else {
                rewritten += "%"
                break
            }
            switch directive {
            case "f": rewritten += String(format: "%06ld", microseconds)
            case "z", "Z": break
            default:
                rewritten += "%"
                rewritten.unicodeScalars.append(directive)
            }
        }
        return cStrftime(rewritten, &fields)
    }

    private static func cStrftime(_ pattern: String, _ fields: inout tm) -> String {
        // A trailing marker tells an empty result apart from a buffer that was too small.
        let marked = pattern + "\u{1}"
        var capacity = 256
        while capacity <= 1 << 20 {
            var buffer = [CChar](repeating: 0, count: capacity)
            let length = strftime(&buffer, capacity, marked, &fields)
            if length > 0 {
                let bytes = buffer[..<(length - 1)].map { UInt8(bitPattern: $0) }
                return String(decoding: bytes, as: UTF8.self)
            }
            capacity *= 4
        }
        return pattern
    }
}
