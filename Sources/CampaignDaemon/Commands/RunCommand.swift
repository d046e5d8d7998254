import Dispatch
import Foundation
import IO
import Scheduler
import Telephony

/// `run [--once] [--until HH:MM]`: the daemon, or one run for cron.
enum RunCommand {
    static func run(_ context: CommandContext) async throws(CLIError) {
        let arguments = try CommandArguments(context.invocation.arguments, command: "run", flags: ["--once"], valued: ["--until", "--report-dir", "--metrics"])
        guard arguments.positionals.isEmpty else { throw .usage("run takes no arguments", command: "run") }
        let once = arguments.flags.contains("--once")
        var until: Date?
        if let text = arguments.values["--until"] {
            guard once else { throw .usage("--until goes with --once", command: "run") }
            guard let minutes = CampaignSettings.parseClockForCLI(text) else {
                throw .usage("--until takes a local time HH:MM, not \"\(text)\"", command: "run")
            }
            until = nextOccurrence(ofMinutes: minutes)
        }
        let reportDirectory = arguments.values["--report-dir"]
        if reportDirectory != nil, !once { throw .usage("--report-dir goes with --once", command: "run") }
        if let address = arguments.values["--metrics"] {
            do { _ = try MetricsServer.socketAddress(address) } catch { throw .usage(error.description, command: "run") }
        }
        let configuration = try context.configuration()

        let lock: DataDirectoryLock
        do { lock = try DataDirectoryLock(dataDirectory: configuration.dataDirectory) } catch { throw .lockHeld("\(error)") }
        defer { withExtendedLifetime(lock) {} }

        let stop = StopSignal()
        let diskFull = DiskFullStop(action: configuration.limits.onDiskFull, stop: stop)
        let writer: QueueWriter, cdr: CDRWriter, importStore: QueueStore
        do {
            writer = try QueueWriter(dataDirectory: configuration.dataDirectory, onEvent: logQueue)
            importStore = try QueueStore(dataDirectory: configuration.dataDirectory)
            cdr = try CDRWriter(
                dataDirectory: configuration.dataDirectory,
                settings: .init(minimumFreeBytes: Int64(configuration.limits.minFreeDiskMB) * 1_048_576),
                onEvent: { event in
                    logCDR(event)
                    if case .paused = event { diskFull.paused() }
                })
        } catch {
            throw .failure("cannot open the queue in \(configuration.dataDirectory): \(error)")
        }
        do {
            // Their CDR lines are written by the CDR writer, from the queue, like every other.
            for record in try await writer.recoverUnfinishedAttempts(now: Timestamp.nowMs()) {
                Log.warning("call interrupted by the last stop", [("campaign", record.campaignId), ("target", record.target),
                                                                 ("call_id", record.sipCallId ?? "")])
            }
        } catch {
            throw .failure("cannot recover unfinished attempts: \(error)")
        }
        do {
            // Contacts of an import the last stop interrupted were never visible; they go now.
            let abandoned = try importStore.removeAbandonedImports()
            if abandoned > 0 { Log.warning("removed imports interrupted by the last stop", [("files", String(abandoned))]) }
        } catch {
            throw .failure("cannot remove interrupted imports: \(error)")
        }

        let registrationFile = RegistrationStatusFile(dataDirectory: configuration.dataDirectory)
        defer { registrationFile.remove() }
        // Shown by `campaignd status` from the start, before the registrar's first answer.
        for trunk in configuration.trunks where trunk.register { registrationFile.registering(trunk.name) }
        let loops: EventLoopGroup
        let dialer: SIPDialer
        do {
            loops = try configuration.makeEventLoops()
            var dialerConfiguration = configuration.dialerConfiguration(toward: nil)
            dialerConfiguration.registrationObserver = { trunk, status in
                // One line per change, never the credentials; `campaignd status` reads the file.
                switch status {
                case .registered(let expires): Log.info("trunk registered", [("trunk", trunk), ("expires", String(expires))])
                case .unregistered: Log.info("trunk not registered", [("trunk", trunk)])
                case .failed(let code, let reason, let retryIn):
                    Log.warning("trunk registration failed", [("trunk", trunk), ("sip_code", code == 0 ? "" : String(code)),
                                                               ("reason", reason), ("retry_in_sec", String(retryIn.components.seconds))])
                }
                registrationFile.update(trunk, status)
            }
            dialer = try SIPDialer(host: configuration.sip.bindAddress, port: configuration.sip.port, group: loops,
                                   configuration: dialerConfiguration)
        } catch {
            throw .failure("cannot open the SIP socket: \(error)")
        }
        Log.info("campaignd started", [("mode", once ? "once" : "daemon"), ("data", configuration.dataDirectory),
                                       ("sip", "\(configuration.sip.bindAddress):\(dialer.localPort)"),
                                       ("loops", String(loops.loops.count))])

        let importer = CampaignImporter(loader: CampaignLoader(context: configuration.validationContext), store: importStore)
        // Signalled by whatever commits new work, so that the dispatcher dials it at once.
        let work = WorkSignal()
        let watcher = WatcherService(watcher: CampaignWatcher(directory: configuration.campaignsDirectory, importer: importer,
                                                              clock: ContinuousClock(), onImported: work.signal),
                                     queueLocked: { writer.isLocked })
        let signals = SignalService(stop: stop, cdr: cdr)

        let runMetrics = RunMetrics()
        runMetrics.readRegistrations { dialer.registrationStatuses() }
        let dispatcher = Dispatcher(
            store: writer,
            dialer: CallProgressNotifyingDialer(wrapping: dialer, writer: writer) { message in
                Log.error("webhook outbox error", [("error", message)])
            },
            cdr: cdr, clock: ContinuousClock(),
            configuration: .init(
                globalRate: configuration.limits.dialoutLimitPerSecond,
                globalMaxConcurrentCalls: configuration.limits.maxConcurrentCalls,
                slotExpiry: .seconds(configuration.limits.concurrentCallsExpirationSeconds),
                trunks: configuration.sipTrunks,
                defaultTimeZone: configuration.defaultTimeZone,
                callingRules: configuration.callingRules,
                maxAttemptsPerNumberPerDay: configuration.limits.maxAttemptsPerNumberPerDay),
            work: work,
            onEvent: { event in
                runMetrics.record(event)
                logEvent(event)
            })
        var services: [any DaemonService] = [signals, SIPService(dialer: dialer), CDRService(writer: cdr)]
        if let address = arguments.values["--metrics"] {
            let metricsServer: MetricsServer
            do {
                metricsServer = try MetricsServer(address: address, dataDirectory: configuration.dataDirectory, metrics: runMetrics,
                                                  dispatch: dispatcher.metrics, loop: loops.next())
            } catch let error as MetricsServer.Failure {
                throw .usage(error.description, command: "run")
            } catch {
                throw .failure("cannot open the metrics endpoint: \(error)")
            }
            Log.info("metrics endpoint listening", [("address", metricsServer.localAddress.description)])
            services.append(MetricsService(server: metricsServer))
        }
        if let listen = configuration.api.listen {
            let server = try await startAPI(listen, configuration: configuration, writer: writer, importer: importer,
                                            metrics: runMetrics, dispatch: dispatcher.metrics, wake: { work.signal() }, loop: loops.next())
            services.append(APIService(server: server))
        }
        let notifications = configuration.notifications
        let webhooks = WebhookDeliverer(
            dataDirectory: configuration.dataDirectory,
            settings: .init(signingSecret: notifications.signingSecret, connectTimeoutSec: Double(notifications.connectTimeoutSec),
                            readTimeoutSec: Double(notifications.readTimeoutSec), retryForSec: notifications.retryForSec,
                            maxRetryNo: notifications.maxRetryNo),
            loop: loops.next(), onEvent: logWebhook)
        services.append(WebhookService(webhooks: webhooks, drainTimeout: once ? .seconds(10) : nil))
        let drainTimeout = Duration.seconds(configuration.limits.drainTimeoutSec)
        let mode: Dispatcher<ContinuousClock>.Mode
        if once {
            // One run takes every file there now; SIGTERM still drains.
            await watcher.scan(settled: true)
            mode = .once(until: until, stop: stop, drainTimeout: drainTimeout)
        } else {
            services.append(watcher)
            mode = .untilStopped(stop, drainTimeout: drainTimeout)
        }

        // One task group: the dispatcher and every service. When the dispatcher returns (its work
        // done, or a SIGTERM drained), the rest are cancelled and each stops in its own way.
        let summary: Dispatcher<ContinuousClock>.Summary
        do {
            summary = try await withThrowingTaskGroup(of: Dispatcher<ContinuousClock>.Summary?.self) { group in
                for service in services {
                    group.addTask {
                        try await service.run()
                        return nil
                    }
                }
                group.addTask { try await dispatcher.run(mode) }
                var result = Dispatcher<ContinuousClock>.Summary()
                while let value = try await group.next() {
                    if let value {
                        result = value
                        group.cancelAll()
                    }
                }
                return result
            }
        } catch {
            throw .failure("dispatching stopped: \(error)")
        }
        await loops.shutdownGracefully()
        if diskFull.stopped {
            throw .failure("stopped: the CDR files could not be written (disk full or under limits.minFreeDiskMB); "
                + "free space and run again: the missing lines are written from the queue")
        }
        Log.info("campaignd stopped", [("attempts", String(summary.attempts)), ("still_waiting", String(summary.stillWaiting))])
        if once, let reportDirectory {
            for path in ReportCommand.writeReports(Set(summary.campaignsDialed), to: reportDirectory, store: importStore,
                                                   policy: configuration.callingPolicy) {
                Log.info("report written", [("file", path)])
            }
        }
        if once {
            printSummary(summary, configuration: configuration, store: importStore)
            if !summary.unregisteredTrunks.isEmpty {
                let trunks = summary.unregisteredTrunks.sorted { $0.key < $1.key }
                for (trunk, answer) in trunks {
                    Log.error("trunk did not register: its campaigns' contacts stay queued", [("trunk", trunk), ("registrar_answer", answer)])
                }
                throw .failure(trunks.map { "trunk \($0.key) did not register (the registrar's last answer: \($0.value))" }.joined(separator: "; ")
                    + "; its campaigns' contacts are still queued: fix the trunk's registration and run again")
            }
            if summary.stillWaiting > 0 { throw .workRemains }
        }
    }

    /// Opens the HTTP API (`api.listen`) after bringing the built-in `api` campaign's settings up
    /// to date with the configuration's `defaults`.
    private static func startAPI(_ listen: String, configuration: Configuration, writer: QueueWriter, importer: CampaignImporter,
                                 metrics: RunMetrics, dispatch: DispatchMetrics, wake: @escaping @Sendable () -> Void,
                                 loop: EventLoop) async throws(CLIError) -> APIServer {
        do {
            var settings = configuration.defaultSettings
            if settings.name == nil { settings.name = "API calls" }
            try await writer.upsertAPICampaign(APIContext.builtInCampaign, settings: settings, now: Timestamp.nowMs())
            // Each drop-in profile's calls are one campaign, named after it, with its settings.
            for profile in configuration.profiles.values.sorted(by: { $0.name < $1.name }) {
                try await writer.upsertAPICampaign(profile.name, settings: profile.settings, now: Timestamp.nowMs())
            }
            let reads = try APIStoreQueue(label: "campaignd-api-reads", dataDirectory: configuration.dataDirectory)
            // Imports, campaign control and the DNC list write: refused at once while the queue is locked.
            let imports = try APIStoreQueue(label: "campaignd-api-imports", dataDirectory: configuration.dataDirectory,
                                            locked: { writer.isLocked })
            var exposition: (@Sendable (QueueStore) -> String)?
            if configuration.api.metrics {
                exposition = { (store: QueueStore) -> String in metrics.exposition(dispatch: dispatch, store: store) }
            }
            let context = APIContext(
                writer: writer, loader: importer.loader, reads: reads, imports: imports,
                defaultCountryCode: configuration.defaultSettings.defaultCountryCode,
                cdrDirectory: configuration.dataDirectory + "/cdr", metrics: exposition, callingPolicy: configuration.callingPolicy,
                status: StatusEndpoint.Source(
                    version: Campaignd.version, trunks: configuration.trunks.map(\.name),
                    registering: Set(configuration.trunks.filter(\.register).map(\.name)),
                    dialoutLimitPerSecond: configuration.limits.dialoutLimitPerSecond, live: { metrics.snapshot }),
                profiles: configuration.profiles, wake: wake)
            let server = try APIServer(settings: configuration.api, address: try MetricsServer.socketAddress(listen), context: context, loop: loop)
            Log.info("HTTP API listening", [("address", server.localAddress.description), ("keys", configuration.api.keys.map(\.name).joined(separator: ","))])
            return server
        } catch {
            throw .failure("cannot start the HTTP API on \(listen): \(error)")
        }
    }

    static func logCDR(_ event: CDRWriter.Event) {
        switch event {
        case .cutTornLine(let file, let bytes):
            Log.warning("cut a torn last line off a CDR file; its record is written again", [("file", file), ("bytes", String(bytes))])
        case .paused(let reason):
            Log.error("dialing paused: CDR files cannot be written", [("reason", reason)])
        case .resumed(let lines):
            Log.info("dialing resumed: CDR files written again", [("lines", String(lines))])
        }
    }

    static func logQueue(_ event: QueueWriter.Event) {
        switch event {
        case .locked(let file, let lockedFor, let waitingWrites, let retryIn):
            Log.warning("queue locked by another process: no new calls until it lets go; results of calls in progress are kept and written then", [
                ("file", file), ("locked_for_ms", String(milliseconds(lockedFor))), ("waiting_writes", String(waitingWrites)),
                ("retry_in_ms", String(milliseconds(retryIn))),
            ])
        case .unlocked(let file, let lockedFor, let writes):
            Log.info("queue unlocked: dialing resumes", [
                ("file", file), ("locked_for_ms", String(milliseconds(lockedFor))), ("writes", String(writes)),
            ])
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    static func logWebhook(_ event: WebhookDeliverer.Event) {
        switch event {
        case .delivered(let name, let url, let status, let tries):
            Log.info("webhook delivered", [("event", name), ("url", url), ("http_status", String(status)), ("tries", String(tries))])
        case .failed(let name, let url, let error, let tries, let retryAt):
            Log.warning(retryAt == nil ? "webhook given up" : "webhook failed", [
                ("event", name), ("url", url), ("error", error), ("tries", String(tries)),
                ("retry_at", retryAt.map(Timestamp.iso8601) ?? ""),
            ])
        case .storeError(let message):
            Log.error("webhook outbox error", [("error", message)])
        case .outboxLocked(let file, let lockedFor, let results):
            Log.warning("webhook outbox locked by another process: no webhook is posted until it lets go; outcomes are kept and recorded then", [
                ("file", file), ("locked_for_ms", String(milliseconds(lockedFor))), ("outcomes", String(results)),
            ])
        case .outboxUnlocked(let file, let lockedFor):
            Log.info("webhook outbox unlocked", [("file", file), ("locked_for_ms", String(milliseconds(lockedFor)))])
        }
    }

    static func logEvent(_ event: Dispatcher<ContinuousClock>.Event) {
        switch event {
        case .dialing(let claimed):
            Log.info("dialing", [("campaign", claimed.campaignID), ("contact", String(claimed.contactID)),
                                 ("attempt", String(claimed.attempt)), ("target", claimed.target)])
        case .released(let claimed):
            Log.warning("not dialed: the queue is locked by another process; the contact waits to be dialed again", [
                ("campaign", claimed.campaignID), ("contact", String(claimed.contactID)), ("attempt", String(claimed.attempt)),
                ("target", claimed.target),
            ])
        case .finished(let record):
            var fields = [
                ("campaign", record.campaignId), ("target", record.target), ("attempt", String(record.attempt)),
                ("call_id", record.sipCallId ?? ""), ("status", record.status?.rawValue ?? ""), ("reason_code", record.reasonCode?.rawValue ?? ""),
                ("sip_code", record.sipCode.map(String.init) ?? ""), ("will_retry", String(record.willRetry)),
            ]
            // What the far end said it needs (Require, Accept, …) is in the reason of an incompatible call.
            if record.reasonCode == .incompatible, let reason = record.reason { fields.append(("reason", reason)) }
            if let redirectedTo = record.redirectedTo { fields.append(("redirected_to", redirectedTo)) }
            if let next = record.nextAttemptAt { fields.append(("next_attempt_at", Timestamp.iso8601(next))) }
            Log.info("call ended", fields)
        case .deferred(let contactID, let until):
            Log.info("outside calling window", [("contact", String(contactID)), ("until", Timestamp.iso8601(Int64(until.timeIntervalSince1970 * 1000)))])
        case .skippedDNC(let contactID, let target):
            Log.info("skipped: on the DNC list", [("contact", String(contactID)), ("target", target)])
        case .trunkRateChanged(let trunk, let rate, let reason):
            Log.warning("trunk rate changed", [("trunk", trunk), ("rate", String(format: "%.2f", rate)), ("reason", reason)])
        case .waitingForMediaPorts:
            Log.warning("every RTP port is in use: calls with media wait for one; widen sip.rtpPortMin/rtpPortMax")
        case .slotExpired(let attemptID):
            Log.warning("call slot expired without an end", [("attempt", String(attemptID))])
        case .callProgress(let claimed, let progress):
            let call = [("campaign", claimed.campaignID), ("target", claimed.target), ("attempt", String(claimed.attempt))]
            switch progress {
            case .amd(let amd):
                var fields = call + [("event", amd.kind.rawValue), ("after_answer_ms", String(amd.timeMs))]
                if let hz = amd.frequencyHz { fields.append(("frequency_hz", String(hz))) }
                if let detail = amd.detail { fields.append(("detail", detail)) }
                Log.info("amd", fields)
            case .promptStarted(let prompt):
                Log.info("playing prompt", call + [("prompt", prompt.rawValue)])
            case .digit(let digit):
                Log.info("digit", call + [("digit", String(digit))])
            case .optedOut(let digit):
                Log.info("opted out: added to the DNC list", call + [("digit", String(digit))])
            case .connecting(let target), .connected(let target), .transferred(let target):
                Log.info(progress.webhookName, call + [("connect_target", target)])
            case .abandoned(let target, let code):
                Log.info("abandoned", call + [("connect_target", target), ("connect_sip_code", code.map(String.init) ?? "")])
            case .inviteSent, .trying, .ringing, .earlyMedia, .answered, .ended:
                break
            }
        case .trunkPaused(let trunk, let until):
            Log.warning("trunk paused: 503 with Retry-After", [("trunk", trunk), ("until", Timestamp.iso8601(Int64(until.timeIntervalSince1970 * 1000)))])
        case .error(let error):
            Log.error("dispatcher error", [("code", error.code), ("error", error.description)])
        }
    }

    private static func nextOccurrence(ofMinutes minutes: Int) -> Date {
        let calendar = Calendar.current
        let now = Date()
        var parts = calendar.dateComponents([.year, .month, .day], from: now)
        parts.hour = minutes / 60
        parts.minute = minutes % 60
        let today = calendar.date(from: parts) ?? now
        return today > now ? today : calendar.date(byAdding: .day, value: 1, to: today) ?? today
    }

    private static func printSummary(_ summary: Dispatcher<ContinuousClock>.Summary, configuration: Configuration, store: QueueStore) {
        let outcomes = summary.byOutcome.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
        Console.out("campaignd run --once: \(summary.attempts) attempts" + (outcomes.isEmpty ? "" : " (\(outcomes))"))
        Console.out(summary.stillWaiting == 0
            ? "every contact is done"
            : "\(summary.stillWaiting) contacts still waiting (retries due later, closed calling windows, paused campaigns"
                + (summary.unregisteredTrunks.isEmpty ? ")" : " or a trunk that did not register)"))
        Console.out("CDRs: \(configuration.dataDirectory)/cdr/")
        if let statuses = try? store.campaignStatuses() {
            Console.out("")
            Console.out(StatusCommand.table(statuses))
        }
    }
}

extension CampaignSettings {
    /// Minutes after midnight of "HH:MM", as campaign windows read it.
    static func parseClockForCLI(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]),
              (0..<24).contains(hours), (0..<60).contains(minutes) else { return nil }
        return hours * 60 + minutes
    }
}

/// `limits.onDiskFull: "exit"`: the first pause of the CDR writer stops the run (live calls drain)
/// and `run` exits with code 4.
// @unchecked Sendable: `lock` guards `didStop`.
final class DiskFullStop: @unchecked Sendable {
    private let action: Configuration.DiskFullAction
    private let stop: StopSignal
    private let lock = NSLock()
    private var didStop = false

    init(action: Configuration.DiskFullAction, stop: StopSignal) {
        self.action = action
        self.stop = stop
    }

    var stopped: Bool { lock.withLock { didStop } }

    func paused() {
        guard action == .exit else { return }
        lock.withLock { didStop = true }
        stop.request()
    }
}
