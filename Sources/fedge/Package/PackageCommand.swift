import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import FedgeEdge
import Foundation

/// `fedge package`: compute packages from the control plane.
struct PackageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "package",
        abstract: "Make, upload and activate compute packages the clients run.",
        discussion: """
            A compute package is a folder with fedge.yaml (or FEDn's fedn.yaml) and the code its entry points run. \
            `fedge package create DIR --out p.tgz` archives it (honouring .fedgeignore and .fednignore); `fedge \
            package upload p.tgz --activate` hands it to the controller. Sessions run the active package (or the one \
            `fedge session start --package ID` names); clients started without --package or --trainer fetch it \
            through their combiner, check its SHA-256 and cache it.
            """,
        subcommands: [
            PackageCreateCommand.self, PackageUploadCommand.self, PackageListCommand.self, PackageShowCommand.self,
            PackageActivateCommand.self,
        ]
    )
}

struct PackageCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Archive a package folder as a .tgz (like FEDn's `fedn package create`)."
    )

    @Argument(help: "The package folder (with fedge.yaml or fedn.yaml).")
    var directory: String

    @Option(help: "The archive to write.")
    var out: String = "package.tgz"

    func run() throws {
        guard !FileManager.default.fileExists(atPath: self.out) else {
            throw ValidationError("\(self.out) exists; remove it or choose another --out.")
        }
        let files: [String]
        do {
            files = try PackageArchive.create(
                from: URL(fileURLWithPath: self.directory),
                to: URL(fileURLWithPath: self.out)
            )
        } catch {
            throw ValidationError("\(error)")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: self.out)[.size] as? NSNumber)?.int64Value ?? 0
        print("wrote \(self.out): \(files.count) file(s), \(Format.bytes(size))")
    }
}

struct PackageUploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Upload a package archive to the controller (admin)."
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The archive (.tgz) from `fedge package create`.")
    var file: String

    @Option(help: "The package's name (default: the file's name without .tgz).")
    var name: String?

    @Flag(help: "Make it the active package, which new sessions run.")
    var activate = false

    func validate() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: self.file, isDirectory: &isDirectory), !isDirectory.boolValue
        else { throw ValidationError("There is no file at \(self.file); make one with `fedge package create DIR`.") }
    }

    func run() async throws {
        let name =
            self.name
            ?? ((self.file as NSString).lastPathComponent as NSString).deletingPathExtension
        let package = try await self.api.withClient {
            try await $0.uploadPackage(from: self.file, name: name, activate: self.activate)
        }
        self.api.print(package) {
            print("package \(package.id)\(package.active ? " (active)" : "")")
            Output.printFields([("name", package.name), ("size", Format.bytes(package.size))], indent: 2)
        }
    }
}

struct PackageListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the uploaded packages.")

    @OptionGroup var api: APIOptions
    @OptionGroup var page: PageOptions

    func run() async throws {
        let page = try await self.api.withClient {
            try await $0.listPackages(limit: self.page.limit, offset: self.page.offset)
        }
        self.api.print(page) {
            var table = Table("ID", "NAME", "SIZE", "UPLOADED", "")
            for package in page.items {
                table.append(
                    String(package.id.prefix(12)),
                    package.name,
                    Format.bytes(package.size),
                    Format.timestamp(package.createdAt),
                    package.active ? "active" : ""
                )
            }
            Output.printTable(table, empty: "No packages; upload one with `fedge package upload FILE`.")
            Output.printPageNote(page)
        }
    }
}

struct PackageShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one package.")

    @OptionGroup var api: APIOptions

    @Argument(help: "The package id or a unique prefix of it.")
    var id: String

    func run() async throws {
        let package = try await self.api.withClient { try await $0.package(self.id) }
        self.api.print(package) {
            print("package \(package.id)\(package.active ? " (active)" : "")")
            Output.printFields(
                [
                    ("name", package.name), ("size", Format.bytes(package.size)),
                    ("uploaded", Format.timestamp(package.createdAt)),
                ],
                indent: 2
            )
        }
    }
}

struct PackageActivateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activate",
        abstract: "Make a package the active one (admin).",
        discussion: "New sessions run the active package unless they name another with --package."
    )

    @OptionGroup var api: APIOptions

    @Argument(help: "The package id or a unique prefix of it.")
    var id: String

    func run() async throws {
        let package = try await self.api.withClient { try await $0.activatePackage(self.id) }
        self.api.print(package) { print("active package \(package.id) (\(package.name))") }
    }
}
