import FedgeAPIModels

/// A key the console understands, decoded by the terminal driver.
package enum Key: Sendable, Hashable {
    case character(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case tab, backTab, enter, escape, backspace
    case resize
    case interrupt
}
