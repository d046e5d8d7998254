/// The console's two HTML documents: the login form and the console itself. Plain HTML with the
/// stylesheet and script served beside it (no inline script: the Content-Security-Policy forbids it).
enum ConsolePage {
    /// The login form; `message` (an error) is shown above it.
    static func login(message: String?) -> String {
        let alert = message.map { #"<p class="error" role="alert" id="login-error">"# + escape($0) + "</p>" } ?? ""
        return """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>campaignd: log in</title>
        <link rel="stylesheet" href="/console/console.css">
        </head>
        <body>
        <main class="login">
        <h1>campaignd</h1>
        \(alert)
        <form method="post" action="/console/login">
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
        <button type="submit">Log in</button>
        </form>
        <p class="hint">The key is one of <code>api.keys</code> in campaignd.json; this browser then keeps a session cookie, not the key.</p>
        </main>
        </body>
        </html>

        """
    }

    /// The console for the key called `keyName`; `csrfToken` is read by the script from its meta tag.
    static func console(keyName: String, csrfToken: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="csrf-token" content="\(escape(csrfToken))">
        <title>campaignd</title>
        <link rel="stylesheet" href="/console/console.css">
        <script src="/console/console.js" defer></script>
        </head>
        <body>
        <header>
        <h1>campaignd</h1>
        <p>Logged in with the key <strong>\(escape(keyName))</strong> <button type="button" id="logout">Log out</button></p>
        </header>
        <main>
        <div id="overview">
        <section id="health" aria-labelledby="health-title">
        <h2 id="health-title">Health</h2>
        <dl class="health">
        <div><dt>Calls in progress</dt><dd id="health-calls">–</dd></div>
        <div><dt>Webhooks waiting</dt><dd id="health-webhooks">–</dd></div>
        <div><dt>Version</dt><dd id="health-version">–</dd></div>
        </dl>
        <table id="trunks" aria-labelledby="health-title">
        <thead><tr><th scope="col">Trunk</th><th scope="col">Registration</th><th scope="col">Rate</th></tr></thead>
        <tbody></tbody>
        </table>
        </section>
        <h2 id="campaigns-title">Campaigns</h2>
        <p id="status" role="status" aria-live="polite"></p>
        <table id="campaigns" aria-labelledby="campaigns-title">
        <thead><tr><th scope="col">Campaign</th><th scope="col">State</th><th scope="col">Progress</th><th scope="col">Contacts</th><th scope="col">Calls per minute</th><th scope="col">Answer rate</th><th scope="col">AMD</th><th scope="col">Abandoned</th><th scope="col">Actions</th></tr></thead>
        <tbody></tbody>
        </table>
        <section id="upload" aria-labelledby="upload-title">
        <h2 id="upload-title">Upload</h2>
        <p class="hint">A campaign file (JSON, or CSV with a campaign id), or a contacts CSV added to an existing campaign. It is checked first; nothing is imported until you confirm.</p>
        <form id="upload-form">
        <div id="drop" class="drop">
        <label for="upload-file">Campaign or contacts file (.csv or .json)</label>
        <input id="upload-file" name="file" type="file" accept=".csv,.json,text/csv,application/json" required>
        <p class="hint">or drop the file here</p>
        </div>
        <label for="upload-target">Add to</label>
        <select id="upload-target" name="target"><option value="">A new campaign</option></select>
        <label for="upload-id">New campaign id (for a CSV; a JSON file's own "id" is used when it has one)</label>
        <input id="upload-id" name="id" type="text" pattern="[A-Za-z0-9._-]{1,64}" autocomplete="off">
        <button type="submit" id="upload-check">Check the file</button>
        </form>
        <div id="upload-result" role="status" aria-live="polite"></div>
        <ul id="upload-errors" class="problems" aria-label="Problems in the file"></ul>
        <button type="button" id="upload-confirm" hidden>Import</button>
        </section>
        <section id="dnc" aria-labelledby="dnc-title">
        <h2 id="dnc-title">Do-not-call list</h2>
        <form id="dnc-form">
        <label for="dnc-targets">Numbers to add (one a line)</label>
        <textarea id="dnc-targets" name="targets" rows="3" required></textarea>
        <label for="dnc-source">Why (kept with each number)</label>
        <input id="dnc-source" name="source" type="text" autocomplete="off" placeholder="complaint">
        <button type="submit" id="dnc-add">Add to the list</button>
        </form>
        <p id="dnc-status" role="status" aria-live="polite"></p>
        <ul id="dnc-errors" class="problems" aria-label="Problems with the numbers"></ul>
        <table id="dnc-list" aria-labelledby="dnc-title">
        <thead><tr><th scope="col">Number</th><th scope="col">Why</th><th scope="col">Added</th><th scope="col">Actions</th></tr></thead>
        <tbody></tbody>
        </table>
        </section>
        </div>
        <section id="campaign" aria-labelledby="campaign-title" hidden>
        <p><a href="#">← All campaigns</a></p>
        <h2 id="campaign-title">Campaign</h2>
        <p id="campaign-status" role="status" aria-live="polite"></p>
        <h3>Settings</h3>
        <dl id="campaign-settings" class="settings"></dl>
        <h3 id="report-title">Report</h3>
        <p><button type="button" id="report-refresh">Refresh the report</button> <a id="report-open" href="#" target="_blank" rel="noopener">Open the report on its own page</a></p>
        <iframe id="report" title="The campaign's report" class="report"></iframe>
        <h3 id="cdrs-title">Latest calls</h3>
        <p><a id="cdrs-download" href="/v1/cdrs?format=csv" download>Download all its CDRs (CSV)</a></p>
        <table id="cdrs" aria-labelledby="cdrs-title">
        <thead><tr><th scope="col">Started</th><th scope="col">Target</th><th scope="col">Attempt</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Seconds</th><th scope="col">AMD</th></tr></thead>
        <tbody></tbody>
        </table>
        </section>
        </main>
        </body>
        </html>

        """
    }

    /// Text made safe for HTML content and attribute values.
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
