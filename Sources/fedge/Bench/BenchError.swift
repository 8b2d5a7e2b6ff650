/// What stops `fedge bench round`, each said as what went wrong and what to do about it.
enum BenchError: Error, CustomStringConvertible {
    /// A daemon or the client executable is not beside the running `fedge`.
    case missingExecutable(name: String, directory: String)
    /// A command the benchmark runs to completion (`fedge-controller init`) failed.
    case commandFailed(command: String, status: Int32, output: String)
    /// A process of the federation ended before the benchmark stopped it; `tail` is the end of its log.
    case processEnded(name: String, termination: String, log: String, tail: String)
    /// Something the benchmark waited for did not happen in time; `tail` is the end of the controller's log.
    case timedOut(what: String, seconds: Double, log: String, tail: String)
    /// The session ended as `failed` or `stopped`.
    case sessionEnded(id: String, status: String, reason: String?, log: String)
    /// The session finished without committing a round, so there is nothing to time.
    case noRoundCommitted(session: String)
    /// A file or folder of the work directory could not be made.
    case workDirectory(path: String, reason: String)
    /// A socket call of the loopback baseline failed.
    case socket(call: String, errno: Int32)
    /// The loopback socket copy ended before every byte arrived.
    case shortCopy(received: Int64, expected: Int64)

    var description: String {
        switch self {
        case .missingExecutable(let name, let directory):
            "\(name) is not in \(directory), beside fedge; build them: swift build -c release"
        case .commandFailed(let command, let status, let output):
            "\(command) failed with status \(status)" + Self.quoted(output)
        case .processEnded(let name, let termination, let log, let tail):
            "the \(name) \(termination) before the benchmark was done; its log is \(log) (keep it with --keep)"
                + Self.quoted(tail)
        case .timedOut(let what, let seconds, let log, let tail):
            "gave up waiting for \(what) after \(Int(seconds)) s; see \(log) (keep it with --keep)" + Self.quoted(tail)
        case .sessionEnded(let id, let status, let reason, let log):
            "session \(id) \(status)" + (reason.map { ": \($0)" } ?? "")
                + "; see \(log) (keep it with --keep)"
        case .noRoundCommitted(let session):
            "session \(session) finished without committing a round; nothing to time (run with --keep for the logs)"
        case .workDirectory(let path, let reason):
            "cannot create \(path): \(reason); check that the temporary directory is writable and has space"
        case .socket(let call, let errno):
            "the loopback baseline's \(call)() failed (errno \(errno)); check that 127.0.0.1 is usable"
        case .shortCopy(let received, let expected):
            "the loopback baseline's connection closed after \(received) of \(expected) bytes; run the benchmark again"
        }
    }

    /// The last lines of a log or an output, indented under the sentence, or nothing when empty.
    private static func quoted(_ text: String) -> String {
        let lines = text.split(separator: "\n").suffix(6)
        guard !lines.isEmpty else { return "" }
        return ":\n" + lines.map { "  | " + $0 }.joined(separator: "\n")
    }
}
