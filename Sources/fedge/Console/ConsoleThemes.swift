import ArgumentParser
import FedgeAPIClient
import FedgeAPIModels
import FedgeConsole
import Foundation
import Synchronization

/// The themes the console knows by name, and theme files.
enum ConsoleThemes {
    static func load(_ name: String) throws -> Theme {
        switch name {
        case "dark": return .dark
        case "light": return .light
        case "mono", "monochrome": return .monochromeTheme
        default:
            let home = ProcessInfo.processInfo.environment["FEDGE_HOME"]
            let candidates = [name, "themes/\(name).theme"] + (home.map { ["\($0)/themes/\(name).theme"] } ?? [])
            guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
                throw ValidationError(
                    "No theme '\(name)': use dark, light, mono, or the path of a theme file (see themes/)."
                )
            }
            do {
                return try Theme.parse(
                    try String(contentsOfFile: path, encoding: .utf8),
                    name: (path as NSString).lastPathComponent
                )
            } catch {
                throw ValidationError("The theme file \(path) cannot be used: \(error)")
            }
        }
    }
}
