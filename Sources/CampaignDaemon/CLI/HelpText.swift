/// `--help` texts: the overview and one per subcommand.
enum HelpText {
    static let overview = """
    campaignd — campaign batch dialer daemon

    USAGE: campaignd [--config FILE] [--data DIR] COMMAND [ARGS...]

    COMMANDS:
      validate FILE...              Check campaign files (CSV or JSON); list every problem
      import FILE...                Validate and import campaign files into the queue
      status [--json|--watch]       Contact counts per campaign and state
      pause CAMPAIGN                Stop dialing a campaign (calls in progress finish)
      resume CAMPAIGN               Dial a paused campaign again
      cancel CAMPAIGN               Cancel a campaign and every contact still waiting
      dnc add|remove|list|import    Manage the do-not-call list
      call TARGET                   Place one call over SIP and print its events
      run [--once] [--until HH:MM]  Dial the campaigns: as a daemon, or once (cron)
      cdr [--follow] [...]          Print call detail records
      requeue CAMPAIGN --interrupted  Dial interrupted contacts again
      amd FILE.wav... [--labels CSV] Answering-machine detection on recordings
      report CAMPAIGN [--format F]  A campaign's numbers: text, json, csv or html
      report --compliance [CAMPAIGN]  Attempts outside calling windows, attempts per number per day
      help [COMMAND]                Show help for a command

    GLOBAL OPTIONS:
      --config FILE   Configuration file (default: ./campaignd.json if present,
                      else built-in defaults)
      --data DIR      Data directory holding campaignd.db (default: the config's
                      dataDir, else ./var)
      -h, --help      Show help (also after a command: campaignd import --help)
      --version       Print the version

    EXIT CODES:
      0  success
      1  invalid input: a campaign, contact or DNC file has problems (listed on
         stderr as FILE:LINE: message); nothing of that file was imported
      2  usage error: unknown command or option, missing argument
      3  configuration file missing or invalid
      4  operation failed: database error, the named campaign does not exist, (run with
         limits.onDiskFull "exit") the CDR files could not be written, or (run --once)
         a registering trunk its campaigns need failed to register
      5  run: another campaignd is running on the same data directory
      6  call: the call was not answered (busy, declined, no answer, error)
      7  run --once: finished, but contacts are still waiting (retries due later,
         closed calling windows, paused campaigns)
    """

    static let commands: [String: String] = [
        "validate": """
        USAGE: campaignd validate FILE...

        Reads each campaign file (.csv or .json) and reports every problem as
        FILE:LINE: message on stderr, without touching the queue. Prints a line per
        valid file on stdout with its contact count and dropped duplicates.

        Exit code 0 if every file is valid, 1 if any is not.
        """,
        "import": """
        USAGE: campaignd import FILE...

        Validates each file, then imports it in one transaction: a file with any
        problem imports nothing. Importing the same content again changes nothing and
        says so. A changed file for an existing campaign id updates the campaign's
        settings and adds only targets the campaign does not have yet. Contacts whose
        number is on the DNC list are imported as skipped.

        Exit code 0 if every file was imported (or already was), 1 if any was invalid.
        """,
        "status": """
        USAGE: campaignd status [--json | --watch]

        For every campaign: its state and how many contacts are pending, dialing,
        retry_wait, done, failed, skipped, cancelled and interrupted.

          --json   One JSON object: {"campaigns": [{"id", "state", "total", ...}]}
          --watch  Redraw every second: a progress bar per campaign and the calls
                   that ended in the last minute. Ctrl-C to stop.
        """,
        "pause": "USAGE: campaignd pause CAMPAIGN\n\nStops dialing CAMPAIGN; calls in progress finish. `resume` undoes it.",
        "resume": "USAGE: campaignd resume CAMPAIGN\n\nDials a paused CAMPAIGN again.",
        "cancel": """
        USAGE: campaignd cancel CAMPAIGN

        Cancels CAMPAIGN: every contact still pending or waiting for a retry becomes
        cancelled. Calls in progress finish. A cancelled campaign cannot be resumed.
        """,
        "call": """
        USAGE: campaignd call TARGET [--caller N] [--trunk T] [--answer-timeout S]
                              [--hangup-after S] [--max-duration S] [--sip-port P] [--json]
                              [--amd detect|disconnect] [--play FILE.wav] [--voicemail FILE.wav]
                              [--connect URI [--connect-method bridge|refer] [--connect-timeout S]
                               [--hold FILE.wav] [--abandon FILE.wav]]

        Places one call and prints its events as they happen: invite-sent, trying,
        ringing, early-media, answered, digit, hangup, ended (with status, reason_code,
        sip_code, reason, retry_after, redirected_to and timings). TARGET is a phone
        number (sent to the trunk as sip:+1555...@trunk;user=phone) or a sip: URI (sent
        to its host, or to the trunk if one is named); sips: needs TLS, which campaignd
        does not have. Settings default to the configuration's defaults.

          --caller N          caller (From user), E.164 or SIP user name
          --trunk T           trunk name (default: defaults.trunk, or the only trunk)
          --answer-timeout S  seconds of ringing before CANCEL (1-300)
          --hangup-after S    hang up S seconds after the answer
          --max-duration S    BYE after S seconds (maxCallDurationSec)
          --sip-port P        local SIP port (default: a free one)
          --json              one JSON object per event
          --amd MODE          run answering-machine detection on the answered audio and
                              print its events (amd_human_detected, amd_machine_detected,
                              amd_tone_detected, ...); disconnect hangs up on machines
          --play FILE.wav     prompt for a person (played at once without --amd)
          --voicemail FILE    prompt left on a machine after the beep (--amd detect)
          --connect URI       put the person (without --amd: whoever answers) through to URI
                              (a sip: URI or a number), as a campaign's onHuman.connect; prints
                              connecting, connected, transferred or abandoned
          --connect-method M  bridge (default: a second call, audio relayed) or refer (REFER)
          --connect-timeout S seconds the far end may take before the call is abandoned (1-300,
                              default 20)
          --hold FILE.wav     heard, looped, while the second leg rings
          --abandon FILE.wav  heard before hanging up when nobody took the call

        Exit code 0 if the call was answered, 6 if not.
        """,
        "report": """
        USAGE: campaignd report CAMPAIGN [--format text|json|csv|html] [--output FILE]

        A campaign's numbers from its finished attempts (the same rows as its CDRs):
        attempts, contacts reached, answer rate (ASR), average call duration (ACD),
        outcomes by reasonCode and SIP code, AMD verdicts with the median decision
        time, retries, DNC opt-outs and calls by hour of the day (UTC). html is one
        self-contained page with inline SVG charts (no scripts, no network), and the
        calling-rules audit below.
        run --once --report-dir DIR writes one per campaign dialed in that run.

               campaignd report --compliance [CAMPAIGN] [--format text|json]
        The calling-rules audit of a campaign's attempts (every campaign's without
        CAMPAIGN): each attempt started while the campaign's window or a callingRules
        window was shut in one of the number's time zones, and the most attempts one
        number had in one local day (every campaign together) against the cap.
        """,
        "amd": """
        USAGE: campaignd amd FILE.wav... [--labels labels.csv] [--json] [--set NAME=V,...]

        Runs answering-machine detection on recordings of answered calls (8 kHz mono
        mu-law, A-law or 16-bit PCM WAV, starting at the answer) and prints each
        file's verdict with its time after the answer, and the beep if one was heard.

          --labels CSV   columns file,label (human|machine|fax|silence), and optionally
                         speech_end_s and beep_at_s: adds the confusion matrix, accuracy,
                         the share of humans called machines, decision times after the
                         answer and after the end of the greeting, and beep delays
          --json         one object per file (file, verdict, decisionMs, beepMs, events)
                         and a last {"summary": ...} object with --labels
          --set          override detector settings, e.g.
                         --set afterGreetingSilenceMs=900,maximumGreetingMs=6000
                         (the same names as a campaign's "amd" object)

        Exit code 1 if a file could not be read.
        """,
        "run": """
        USAGE: campaignd run [--once [--until HH:MM] [--report-dir DIR]] [--metrics HOST:PORT]

        Without --once: the daemon. Watches the campaigns folder (a file is taken once
        its size is stable; valid files move to imported/, invalid ones to rejected/
        with NAME.errors.txt), dials continuously within the limits, and logs one line
        per event to stderr. SIGTERM or SIGINT: stop claiming, let live calls finish
        within limits.drainTimeoutSec (default 30), hang up the rest, exit 0. SIGHUP:
        reopen the CDR file (logrotate).

        --once (cron): import what is in the campaigns folder, dial everything due,
        wait for retries that fall due before --until HH:MM (local time; tomorrow if
        already past), then print a summary and exit: 0 when every contact is done,
        7 when contacts are still waiting. A registering trunk whose registration
        fails (the registrar refuses it, or no answer within 64 x T1) is not waited
        for: its campaigns' contacts stay queued, the run ends once nothing else is
        due now, and exits 4 naming the trunk and the registrar's answer.
        --report-dir DIR also writes each dialed
        campaign's HTML report there (CAMPAIGN-YYYY-MM-DD.html).

        --metrics 127.0.0.1:9464 serves GET /metrics in Prometheus text format
        (calls started, answered, failed by reason, in flight, token wait, queue
        depth and webhook backlog per campaign).

        With api.listen in the configuration (for example "127.0.0.1:8080") it also
        serves the HTTP API: POST /v1/calls, /v1/campaigns, /v1/dnc, /v1/cdrs, with
        the keys of api.keys (README "HTTP API"; /v1/openapi.json describes it), the
        web console at /, and the drop-in endpoints of AudioCodes, Kore.ai, IBM,
        jambonz and Vonage for the profiles of api.profiles (README "Drop-in
        endpoints").

        A lock on the data directory keeps a second instance out (exit code 5). After
        a crash, attempts whose INVITE was never sent go back to pending; sent ones
        become interrupted, with a CDR, and are not redialed (see requeue).
        """,
        "cdr": """
        USAGE: campaignd cdr [--follow] [--campaign ID] [--since TIME] [--format jsonl|csv]

        Prints the CDRs in DATADIR/cdr/cdr-YYYY-MM-DD.jsonl (one per attempt, oldest
        first). --since takes an ISO 8601 date or time (UTC), compared with startTime.
        --follow keeps printing new records as they are written, across day files,
        like tail -f.
        """,
        "requeue": """
        USAGE: campaignd requeue CAMPAIGN --interrupted

        Sends the campaign's interrupted contacts (calls cut off by a stop or crash)
        back to pending so the next run dials them. They are never redialed on their
        own, since the callee may already have been reached.
        """,
        "dnc": """
        USAGE: campaignd dnc add NUMBER...
               campaignd dnc remove NUMBER...
               campaignd dnc list [--json]
               campaignd dnc import FILE

        The do-not-call list. Numbers are normalised like campaign targets (the
        configured defaultCountryCode completes national numbers). Contacts waiting
        to be dialed whose number is added are skipped at once; removing a number
        lets them be dialed again.

        dnc import reads a CSV with a target (or phone, to, number) column, or a
        plain list with one number per line. A file with any bad number imports
        nothing.
        """,
    ]
}
