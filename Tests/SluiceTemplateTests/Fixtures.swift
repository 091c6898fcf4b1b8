import Foundation
import SluiceTemplate
import Testing

/// Reading the JSON fixtures that `scripts/make_template_fixtures.py` writes from Python's jinja2.
///
/// They are parsed with `JinjaValue(parsingJSON:)` rather than Foundation so that object key order,
/// which `tojson` and `items()` expose, survives into the rendering context.
enum Fixtures {
    static func load(_ name: String) throws -> JinjaObject {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Resources"))
        let text = try String(contentsOf: url, encoding: .utf8)
        return try #require(try JinjaValue(parsingJSON: text).objectValue)
    }

    static func templateSource(_ name: String) throws -> String {
        let url = try #require(
            Bundle.module.url(forResource: name, withExtension: "jinja", subdirectory: "Resources/templates"))
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// The wall-clock time the fixtures were rendered at (`FIXED_NOW` in the script), in the local
    /// time zone, because `strftime_now` formats local time as Python's `datetime.now()` does.
    static func fixedNow(_ isoText: String) throws -> Date {
        let parts = isoText.split(whereSeparator: { "-T:".contains($0) }).compactMap { Int($0) }
        try #require(parts.count == 6)
        let components = DateComponents(
            year: parts[0], month: parts[1], day: parts[2], hour: parts[3], minute: parts[4], second: parts[5])
        return try #require(Calendar.current.date(from: components))
    }

    /// Whether a render matched the fixture: the same text, or an error of the same kind (and,
    /// for `raise_exception`, the same message). Returns a description of the mismatch, if any.
    static func mismatch(_ case: JinjaObject, render: () throws(JinjaError) -> String) -> String? {
        let result: Result<String, JinjaError>
        do throws(JinjaError) {
            result = .success(try render())
        } catch {
            result = .failure(error)
        }
        if let expected = `case`["expected"]?.stringValue {
            switch result {
            case .success(let output) where output == expected: return nil
            case .success(let output): return "rendered \(output.debugDescription)\n   expected \(expected.debugDescription)"
            case .failure(let error): return "failed with \(error)\n   expected \(expected.debugDescription)"
            }
        }
        let message = `case`["error"]?.stringValue ?? ""
        let kind = `case`["error_kind"]?.stringValue ?? ""
        switch (result, kind) {
        case (.success(let output), _): return "rendered \(output.debugDescription) but jinja2 failed: \(message)"
        case (.failure(.raised(let raised)), "raised") where raised == message: return nil
        case (.failure(.syntax), "syntax"): return nil
        case (.failure(.runtime), "other"), (.failure(.limitExceeded), "other"): return nil
        case (.failure(let error), _): return "failed with \(error) but jinja2 failed with \(kind): \(message)"
        }
    }
}
