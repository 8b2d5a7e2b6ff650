/// The bearer token of the REST API on TCP.
package enum APIToken {
    /// 32 random bytes as hex, from the system's generator.
    package static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(byte >> 4, radix: 16) + String(byte & 0x0f, radix: 16)
        }.joined()
    }
}
