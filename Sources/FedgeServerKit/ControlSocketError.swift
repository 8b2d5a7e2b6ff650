#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
package import Foundation
package import Hummingbird
package import Logging
import NIOCore
import NIOSSL
import HummingbirdTLS
import HummingbirdCore
package import ServiceLifecycle

/// Why a listener cannot be set up.
package struct ControlSocketError: Error, CustomStringConvertible {
    package var description: String
}
