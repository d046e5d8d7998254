/// What to do when AMD hears a machine (`machineDetection`).
public enum MachineDetectionMode: String, Sendable, Codable, CaseIterable {
    case disabled
    case detect
    case disconnect
}
