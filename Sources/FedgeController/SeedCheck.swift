import FedgeTensor

/// Checks that an uploaded file is a model the aggregators can work with: a valid safetensors file with at least
/// one tensor.
enum SeedCheck {
    struct EmptyModel: Error, CustomStringConvertible {
        var description: String { "the file holds no tensors" }
    }

    static func validate(_ path: String) throws {
        let file = try SafetensorsFile(path: path)
        guard !file.descriptors.isEmpty else { throw EmptyModel() }
    }
}
