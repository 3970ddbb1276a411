extension RouterKindRules {
    /// `--tuntap-router`: not a corerouter; it needs a router line or a device.
    static let tuntap = RouterKindRules(
        title: "Tuntap router (--plugin tuntap)",
        listenerOptions: "--tuntap-router",
        isCorerouter: false
    ) { spec, _ throws(ConfigurationError) in
        if spec.tuntap.routers.isEmpty && spec.tuntap.devices.isEmpty {
            throw ConfigurationError(option: "--tuntap-router", source: nil,
                                     problem: .invalidConfiguration(reason: "tuntap options are set but there is no --tuntap-router or --tuntap-device"))
        }
    }
}
