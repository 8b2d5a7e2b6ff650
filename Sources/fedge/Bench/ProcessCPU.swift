import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The CPU time a process has used, user and system, as Linux reports it in /proc/PID/stat.
enum ProcessCPU {
    /// Seconds of CPU the process has used since it started; `nil` when it is gone or the system has no /proc.
    static func seconds(pid: Int32) -> Double? {
        (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)).flatMap(Self.parse)
    }

    /// utime + stime of a stat line, in seconds. The command's name (field 2) may hold spaces and parentheses, so
    /// the fields are counted from after its last `)`: state is the first there, utime the 12th, stime the 13th.
    static func parse(_ stat: String) -> Double? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
