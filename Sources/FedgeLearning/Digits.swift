import Foundation

/// The UCI optical recognition of handwritten digits data (8×8 images, 10 classes, 1,797 samples; CC BY 4.0, see
/// `DigitsData.LICENSE.md`), pixels scaled to [0, 1].
package enum Digits {
    package static let featureCount = 64
    package static let classCount = 10

    /// All 1,797 samples, decoded once.
    package static let all: Dataset = {
        guard let raw = Data(base64Encoded: DigitsData.base64, options: .ignoreUnknownCharacters),
            raw.count == DigitsData.samples * 65
        else { preconditionFailure("DigitsData.swift is damaged: regenerate it with Scripts/make-digits.py") }
        var features = [Float](repeating: 0, count: DigitsData.samples * 64)
        var labels = [Int32](repeating: 0, count: DigitsData.samples)
        raw.withUnsafeBytes { bytes in
            for sample in 0..<DigitsData.samples {
                for pixel in 0..<64 { features[sample * 64 + pixel] = Float(bytes[sample * 65 + pixel]) / 16 }
                labels[sample] = Int32(bytes[sample * 65 + 64])
            }
        }
        return Dataset(features: features, labels: labels, featureCount: 64, classCount: 10)
    }()
}
