import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import FedgeSecurity
import Foundation

/// `fedge combiner enroll` and `fedge client enroll`: kits for nodes.
struct CombinerEnrollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll",
        abstract:
            "Make a combiner's kit: its certificate and key, its token, the CA and the controller's address (admin)."
    )

    @Argument(help: "The combiner's name.")
    var name: String

    @Option(name: .customLong("host"), help: "A name or address clients reach the combiner by (repeat).")
    var hosts: [String] = []

    @Option(help: "How long its certificate and token live ")
    var ttl: String = "1y"

    @Option(help: "Where to write the kit (mode 0600).")
    var out: String

    @OptionGroup var api: APIOptions

    func run() async throws {
        let seconds = try EnrollCommandSupport.seconds(self.ttl)
        try EnrollCommandSupport.checkFree([self.out])
        let enrollment = try await self.api.withClient {
            try await $0.enrollCombiner(EnrollRequest(name: self.name, hosts: self.hosts, ttlSeconds: seconds))
        }
        try EnrollCommandSupport.write(enrollment, to: self.out)
        print(
            "wrote \(self.out): combiner \(self.name) (token \(enrollment.record.id)); run `fedge-combiner serve --kit \(self.out)`"
        )
    }
}

struct ClientEnrollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll",
        abstract: "Make client kits: a token, a certificate, the CA and the controller's address (admin).",
        discussion:
            "One client: `fedge client enroll site-1 --out site-1.kit`. A fleet: `fedge client enroll --count 100 --prefix site- --out kits/` writes kits/site-1.kit …"
    )

    @Argument(help: "The client's name (without --count).")
    var name: String?

    @Option(help: "Enroll this many clients, named PREFIX1 … PREFIXN, into the folder --out.")
    var count: Int?

    @Option(help: "The names' prefix with --count.")
    var prefix: String = "client-"

    @Option(help: "How long their tokens and certificates live ")
    var ttl: String = "1y"

    @Option(help: "The kit file, or the folder with --count.")
    var out: String

    @OptionGroup var api: APIOptions

    func validate() throws {
        guard (self.name == nil) != (self.count == nil) else {
            throw ValidationError("Give a NAME, or --count N with --prefix, not both.")
        }
        if let count = self.count, !(1...100_000).contains(count) {
            throw ValidationError("--count must be from 1 to 100000.")
        }
    }

    func run() async throws {
        let seconds = try EnrollCommandSupport.seconds(self.ttl)
        let names = self.name.map { [$0] } ?? (1...(self.count ?? 1)).map { "\(self.prefix)\($0)" }
        let paths = names.map { self.count == nil ? self.out : "\(self.out)/\($0).kit" }
        // Nothing is issued when a kit could not be written.
        try EnrollCommandSupport.checkFree(paths)
        if self.count != nil {
            try FileManager.default.createDirectory(
                atPath: self.out,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        }
        try await self.api.withClient { api in
            for (name, path) in zip(names, paths) {
                let enrollment = try await api.enrollClient(EnrollRequest(name: name, ttlSeconds: seconds))
                try EnrollCommandSupport.write(enrollment, to: path)
            }
        }
        print(
            self.count == nil
                ? "wrote \(self.out); run `fedge-client run --kit \(self.out) --trainer noop` on the client"
                : "wrote \(names.count) kits to \(self.out)/; `fedge-client run --kit \(self.out)` runs them all in one process"
        )
    }
}

enum EnrollCommandSupport {
    static func seconds(_ ttl: String) throws -> Int {
        do {
            return Int(try TokenLifetime.parse(ttl).components.seconds)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// Refuses before anything is issued when a kit would replace a file.
    static func checkFree(_ paths: [String]) throws {
        if let taken = paths.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            throw ValidationError("\(taken) exists; remove it or choose another --out.")
        }
    }

    /// Writes the kit's JSON, 0600, refusing to replace a file.
    static func write(_ enrollment: EnrollmentDTO, to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("\(path) exists; remove it or choose another --out.")
        }
        try SecretFile.write(Data(enrollment.kit.utf8), to: path)
    }
}
