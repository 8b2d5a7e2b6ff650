package import FedgeAPIModels
import Foundation

/// The form `s` opens to start a session: one field per setting, with its default shown and checked in place.
package struct SessionForm: Sendable, Hashable {
    package enum Field: Int, Sendable, Hashable, CaseIterable {
        case aggregator, rounds, roundTimeout, bufferSize, clientsRequired, requestedClients, validate, clientSettings

        package var label: String {
            switch self {
            case .aggregator: "Aggregator"
            case .rounds: "Rounds"
            case .roundTimeout: "Round timeout (s)"
            case .bufferSize: "Buffer size"
            case .clientsRequired: "Clients required"
            case .requestedClients: "Clients requested"
            case .validate: "Validate"
            case .clientSettings: "Client settings"
            }
        }

        package var hint: String {
            switch self {
            case .aggregator: "←/→ to choose"
            case .rounds: "1 or more"
            case .roundTimeout: "seconds, at least 1"
            case .bufferSize: "0 = every selected client"
            case .clientsRequired: "fewest updates for a round to count"
            case .requestedClients: "0 = every active client"
            case .validate: "space to toggle"
            case .clientSettings: "k=v, k=v (e.g. epochs=2, learning_rate=0.01)"
            }
        }
    }

    package static let aggregators = [
        "fedavg", "fedavgm", "fedadam", "fedyogi", "fedadagrad", "fedmedian", "fedtrimmedavg", "krum", "multikrum",
    ]

    package var focus: Field = .aggregator
    package var aggregator = 0
    package var values: [Field: String] = [
        .rounds: "5", .roundTimeout: "180", .bufferSize: "0", .clientsRequired: "1", .requestedClients: "0",
        .clientSettings: "",
    ]
    package var validate = true
    /// Problems found on submit, by field.
    package var errors: [Field: String] = [:]

    package init() {}

    /// The text shown for `field`.
    package func display(_ field: Field) -> String {
        switch field {
        case .aggregator: Self.aggregators[self.aggregator]
        case .validate: self.validate ? "yes" : "no"
        default: self.values[field] ?? ""
        }
    }

    /// Applies a key; returns a config when Enter submitted a valid form.
    package mutating func handle(_ key: Key) -> SessionConfigDTO? {
        switch key {
        case .up, .backTab:
            self.focus = Field(rawValue: (self.focus.rawValue + Field.allCases.count - 1) % Field.allCases.count)!
        case .down, .tab:
            self.focus = Field(rawValue: (self.focus.rawValue + 1) % Field.allCases.count)!
        case .left where self.focus == .aggregator:
            self.aggregator = (self.aggregator + Self.aggregators.count - 1) % Self.aggregators.count
        case .right where self.focus == .aggregator:
            self.aggregator = (self.aggregator + 1) % Self.aggregators.count
        case .character(" ") where self.focus == .validate, .left where self.focus == .validate,
            .right where self.focus == .validate:
            self.validate.toggle()
        case .backspace:
            if self.focus != .aggregator && self.focus != .validate { _ = self.values[self.focus]?.popLast() }
            self.errors[self.focus] = nil
        case .character(let character):
            if self.focus != .aggregator && self.focus != .validate {
                self.values[self.focus, default: ""].append(character)
                self.errors[self.focus] = nil
            }
        case .enter:
            return self.submit()
        default:
            break
        }
        return nil
    }

    /// Checks every field; on success the config to send, else `nil` with `errors` filled in.
    package mutating func submit() -> SessionConfigDTO? {
        self.errors = [:]
        func number(_ field: Field, minimum: Int) -> Int? {
            let text = (self.values[field] ?? "").trimmingCharacters(in: .whitespaces)
            guard let value = Int(text), value >= minimum else {
                self.errors[field] = "give a whole number, \(minimum) or more"
                return nil
            }
            return value
        }
        let rounds = number(.rounds, minimum: 1)
        let buffer = number(.bufferSize, minimum: 0)
        let required = number(.clientsRequired, minimum: 1)
        let requested = number(.requestedClients, minimum: 0)
        var timeout: Double? = nil
        if let value = Double((self.values[.roundTimeout] ?? "").trimmingCharacters(in: .whitespaces)), value >= 1,
            value.isFinite
        {
            timeout = value
        } else {
            self.errors[.roundTimeout] = "give a number of seconds, 1 or more"
        }
        if let required, let requested, requested > 0, requested < required {
            self.errors[.requestedClients] = "below clients required (\(required)): no round could count"
        }
        var settings: [String: JSONValue] = [:]
        let text = (self.values[.clientSettings] ?? "").trimmingCharacters(in: .whitespaces)
        if !text.isEmpty {
            for pair in text.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty else {
                    self.errors[.clientSettings] = "'\(pair.trimmingCharacters(in: .whitespaces))' is not key=value"
                    break
                }
                if let value = Double(parts[1]) {
                    settings[parts[0]] = .number(value)
                } else if parts[1] == "true" || parts[1] == "false" {
                    settings[parts[0]] = .bool(parts[1] == "true")
                } else {
                    settings[parts[0]] = .string(parts[1])
                }
            }
        }
        guard self.errors.isEmpty, let rounds, let buffer, let required, let requested, let timeout else {
            self.focus = Field.allCases.first { self.errors[$0] != nil } ?? self.focus
            return nil
        }
        return SessionConfigDTO(
            aggregator: Self.aggregators[self.aggregator],
            rounds: rounds,
            roundTimeout: timeout,
            bufferSize: buffer,
            clientsRequired: required,
            requestedClients: requested,
            validate: self.validate,
            clientSettings: settings.isEmpty ? nil : settings
        )
    }
}
