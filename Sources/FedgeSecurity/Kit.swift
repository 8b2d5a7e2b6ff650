package import Foundation

/// An enrollment kit: the one file a combiner or a client needs to join — who it is (its token, and its
/// certificate and key), whom to trust (the CA) and where to go (the controller's address). Kits are JSON, mode 0600.
package struct Kit: Sendable, Hashable, Codable {
    package static let formatVersion = 1

    package var fedgeKit: Int
    /// `combiner` or `client`.
    package var role: Role
    package var name: String
    /// The controller's gRPC address, HOST:PORT.
    package var controller: String
    /// PEM of the CA that signed the controller's and every node's certificate.
    package var ca: String
    /// PEM certificate naming this node (presented to the controller; a combiner also serves it to clients).
    package var certificate: String
    /// PEM private key of `certificate`.
    package var privateKey: String
    /// The node's token (JWT; subject its name, role its role).
    package var token: String
    package var tokenID: String
    package var expiresAt: Date
    /// The controller's token-signing public key (PEM): a combiner checks clients' tokens with it (it gets it
    /// again, with the revocation list, when it attaches).
    package var tokenPublicKey: String

    private enum CodingKeys: String, CodingKey {
        case fedgeKit = "fedge_kit"
        case role, name, controller, ca, certificate, token
        case privateKey = "private_key"
        case tokenID = "token_id"
        case expiresAt = "expires_at"
        case tokenPublicKey = "token_public_key"
    }

    package init(
        role: Role,
        name: String,
        controller: String,
        ca: String,
        certificate: IssuedCertificate,
        token: String,
        tokenID: String,
        expiresAt: Date,
        tokenPublicKey: String
    ) {
        self.tokenPublicKey = tokenPublicKey
        self.fedgeKit = Self.formatVersion
        self.role = role
        self.name = name
        self.controller = controller
        self.ca = ca
        self.certificate = certificate.certificatePEM
        self.privateKey = certificate.privateKeyPEM
        self.token = token
        self.tokenID = tokenID
        self.expiresAt = expiresAt
    }

    private static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }

    private static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    package func encoded() throws -> Data { try Self.encoder().encode(self) }

    package static func decode(_ data: Data) throws(KitError) -> Kit {
        let kit: Kit
        do {
            kit = try Self.decoder().decode(Kit.self, from: data)
        } catch {
            throw .unreadable("it is not a Fedge kit (\(error))")
        }
        guard kit.fedgeKit == Self.formatVersion else {
            throw .unreadable("it is a kit of format \(kit.fedgeKit); this Fedge reads format \(Self.formatVersion)")
        }
        return kit
    }

    /// Reads a kit, refusing one that others can read.
    package static func load(path: String) throws(KitError) -> Kit {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable("cannot read \(path)") }
        if let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int,
            mode & 0o077 != 0
        {
            throw .exposed(path: path, mode: mode)
        }
        do {
            return try Self.decode(data)
        } catch {
            throw .unreadable("\(path): \(error)")
        }
    }

    /// Writes the kit, mode 0600, without replacing an existing file unless `overwrite`.
    package func write(to path: String, overwrite: Bool = false) throws {
        if !overwrite && FileManager.default.fileExists(atPath: path) {
            throw KitError.exists(path)
        }
        try SecretFile.write(try self.encoded(), to: path)
    }

    /// Writes the kit's PEM files into `directory` (0700, files 0600) for the TLS stack, which reads files.
    package func materialize(in directory: URL) throws -> KitFiles {
        try FileManager.default.createDirectory(
            at: directory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        let files = KitFiles(
            ca: directory.appendingPathComponent("ca.pem").path,
            certificate: directory.appendingPathComponent("\(self.name).pem").path,
            privateKey: directory.appendingPathComponent("\(self.name)-key.pem").path
        )
        try SecretFile.write(Data(self.ca.utf8), to: files.ca)
        try SecretFile.write(Data(self.certificate.utf8), to: files.certificate)
        try SecretFile.write(Data(self.privateKey.utf8), to: files.privateKey)
        return files
    }
}

/// Where a kit's PEM files were written.
package struct KitFiles: Sendable, Hashable {
    package var ca: String
    package var certificate: String
    package var privateKey: String
}

/// Why a kit cannot be used.
package enum KitError: Error, Sendable, Hashable, CustomStringConvertible {
    case unreadable(String)
    case exposed(path: String, mode: Int)
    case exists(String)
    case wrongRole(expected: Role, found: Role)

    package var description: String {
        switch self {
        case .unreadable(let why): "The kit cannot be used: \(why)."
        case .exposed(let path, let mode):
            "The kit \(path) is readable by others (mode \(String(mode, radix: 8))); it holds secrets: chmod 600 \(path)."
        case .exists(let path): "\(path) exists; remove it or choose another --out."
        case .wrongRole(let expected, let found): "This is a \(found) kit; a \(expected) kit is needed here."
        }
    }
}

/// Files that hold secrets: written atomically, mode 0600 from the start.
package enum SecretFile {
    package static func write(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp-\(UUID().uuidString.prefix(8))"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600])
        else {
            throw KitError.unreadable("cannot write \(temporary)")
        }
        do {
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: temporary, toPath: path)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }
}
