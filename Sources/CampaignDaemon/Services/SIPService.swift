import Telephony

/// The SIP socket and the calls on the event loops: open until the group is cancelled.
struct SIPService: DaemonService {
    let dialer: SIPDialer
    var name: String { "sip" }

    func run() async {
        await dialer.run()
    }
}
