import Dashboard
import FleetModel
import Foundation
import TUICore
import TUICurses

/// `fleettop watch` end to end: themes, routers (or the demo fleet), the curses terminal, the
/// poller and the UI loop; the terminal is given back on every way out.
public enum WatchSession {
    /// Runs the dashboard until quit; returns the exit code. The UI loop blocks the main
    /// actor's thread (the main thread), never one of the cooperative pool's.
    @MainActor
    public static func run(_ configuration: WatchConfiguration) async throws -> Int32 {
        let noColor = configuration.noColor || CursesTerminal.noColorRequested
        let themesDirectory = ThemeDirectoryLocator.locate(executablePath: ThemeDirectoryLocator.executablePath)
        let catalog = try ThemeFiles.catalog(directory: themesDirectory, requested: configuration.theme, noColor: noColor)

        let fleet = try await fleet(for: configuration)
        let interval = configuration.interval ?? fleet.interval ?? WatchConfiguration.defaultInterval
        var snapshotConfiguration = FleetSnapshot.Configuration(interval: interval)
        snapshotConfiguration.pushedStats = !configuration.pollOnly
        let clock = SystemFleetClock()
        let polling: any PollingSource
        if let registry = configuration.routers.registry {
            polling = RegistryPollingSource(
                location: registry, fixed: fleet.endpoints, control: fleet.control, configuration: snapshotConfiguration, clock: clock)
        } else {
            polling = FleetServices.poller(
                control: fleet.control, endpoints: fleet.endpoints, configuration: snapshotConfiguration, clock: clock)
        }

        let backend = CursesTerminal(options: .init(monochrome: noColor))
        do {
            try backend.begin()
        } catch {
            await fleet.stop?()
            throw error
        }
        // The restore is idempotent; this covers a throw between here and the normal end below.
        defer { backend.end() }
        InterruptSignal.install()

        var state = DashboardState(
            snapshot: FleetSnapshot(endpoints: fleet.endpoints, configuration: snapshotConfiguration),
            size: backend.size, now: clock.now(),
            options: .init(readOnly: configuration.readOnly, ascii: !localeIsUTF8(),
                           utcOffset: TimeZone.current.secondsFromGMT(), tips: fleet.tips),
            themes: catalog.themes, themeIndex: catalog.initialIndex)
        if let note = fleet.note { state.post(note) }
        let loop = AppLoop(
            terminal: Terminal(backend: backend), input: backend, state: state, control: fleet.control,
            polling: polling, clock: clock, options: .init(maxFrames: configuration.maxFrames),
            interrupted: InterruptSignal.take)
        _ = loop.run()
        backend.end()
        await fleet.stop?()
        return 0
    }

    /// Seconds each router may take per poll: an interval, at least 1 s and at most 5 s.
    public static func pollTimeout(interval: Double) -> Double { min(max(interval, 1), 5) }

    private struct Fleet {
        var endpoints: [RouterEndpoint]
        var control: any FleetControl
        var interval: Double?
        var note: String?
        var tips: [String] = []
        var stop: (@Sendable () async -> Void)?
    }

    private static func fleet(for configuration: WatchConfiguration) async throws -> Fleet {
        if configuration.usesDemoFleet {
            let demo = try await FleetServices.demoFleet()
            return Fleet(endpoints: demo.endpoints, control: demo.control, note: demo.note, tips: demo.tips, stop: demo.stop)
        }
        let resolved = try configuration.routers.resolve()
        let interval = configuration.interval ?? resolved.interval ?? WatchConfiguration.defaultInterval
        return Fleet(
            endpoints: resolved.endpoints, control: FleetServices.control(timeout: pollTimeout(interval: interval)),
            interval: resolved.interval)
    }

    private static func localeIsUTF8() -> Bool {
        guard let codeset = nl_langinfo(nl_item(CODESET)) else { return false }
        let name = String(cString: codeset).uppercased()
        return name == "UTF-8" || name == "UTF8"
    }
}
