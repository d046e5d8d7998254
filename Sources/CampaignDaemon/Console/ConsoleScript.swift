/// The console's script: polls `GET /v1/campaigns` once a second and renders the table; its
/// buttons call `POST /v1/campaigns/{id}/{pause|resume|cancel|requeue-interrupted}` with the page's CSRF token. An
/// uploaded file goes to `POST /v1/campaigns` (or `/v1/campaigns/{id}/contacts`) with `?validate=true`
/// first, its problems listed by line and field, and again without it when the user confirms. A
/// health strip polls `GET /v1/status`. The do-not-call list is `GET /v1/dnc`, `POST /v1/dnc` and
/// `DELETE /v1/dnc/{target}` (confirmed). A campaign's page (`#campaign=ID`) shows `GET /v1/campaigns/{id}` (its settings) and polls
/// `GET /v1/cdrs?campaign=ID&last=20`, and frames `GET /v1/campaigns/{id}/report?format=html`; its download link is `GET /v1/cdrs?campaign=ID&format=csv`. The
/// session cookie goes with every request (same origin); nothing here sees the API key.
enum ConsoleScript {
    static let javaScript = #"""
    "use strict";
    (function () {
      const csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
      const tbody = document.querySelector("#campaigns tbody");
      const status = document.getElementById("status");
      const rows = new Map();
      let busy = false;

      function say(text, isError) {
        status.textContent = text;
        status.className = isError ? "error" : "";
      }

      async function api(method, path) {
        const headers = { "Accept": "application/json" };
        if (method !== "GET") headers["X-CSRF-Token"] = csrf;
        const response = await fetch(path, { method: method, headers: headers, credentials: "same-origin", cache: "no-store" });
        if (response.status === 401) { window.location.assign("/"); throw new Error("logged out"); }
        const body = await response.json().catch(function () { return {}; });
        if (!response.ok) {
          const message = body.error && body.error.message ? body.error.message : "HTTP " + response.status;
          throw new Error(message);
        }
        return body;
      }

      // done, failed (failed, cancelled, skipped), dialing, waiting (pending, retry_wait, interrupted)
      function split(c) {
        return {
          done: c.done || 0,
          failed: (c.failed || 0) + (c.cancelled || 0) + (c.skipped || 0),
          dialing: c.dialing || 0,
          waiting: (c.pending || 0) + (c.retry_wait || 0) + (c.interrupted || 0)
        };
      }

      function percent(rate) {
        return (100 * (rate || 0)).toFixed(1) + " %";
      }

      function button(label, command, id, confirmText) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = label;
        b.dataset.command = command;
        b.setAttribute("aria-label", label + " " + id);
        b.addEventListener("click", async function () {
          if (confirmText && !window.confirm(confirmText)) return;
          b.disabled = true;
          try {
            const result = await api("POST", "/v1/campaigns/" + encodeURIComponent(id) + "/" + command);
            say(command === "requeue-interrupted"
                ? result.requeued + " interrupted contact" + (result.requeued === 1 ? "" : "s") + " of " + id + " will be dialed again."
                : "Campaign " + id + " is now " + result.state + ".", false);
            await refresh();
          } catch (error) {
            say("Could not " + command + " " + id + ": " + error.message, true);
          } finally {
            b.disabled = false;
          }
        });
        return b;
      }

      function row(id) {
        let r = rows.get(id);
        if (r) return r;
        const tr = document.createElement("tr");
        tr.dataset.id = id;
        const cells = {};
        const headings = { rate: "Calls per minute", answer: "Answer rate", amd: "AMD", abandoned: "Abandoned" };
        for (const name of ["name", "state", "progress", "counts", "rate", "answer", "amd", "abandoned", "actions"]) {
          cells[name] = document.createElement("td");
          cells[name].className = name;
          // On a phone the header row is hidden: each figure says what it is.
          if (headings[name]) cells[name].dataset.label = headings[name];
          tr.appendChild(cells[name]);
        }
        const bar = document.createElement("div");
        bar.className = "bar";
        bar.setAttribute("role", "img");
        const parts = {};
        for (const name of ["done", "failed", "dialing", "waiting"]) {
          parts[name] = document.createElement("span");
          parts[name].className = name;
          bar.appendChild(parts[name]);
        }
        cells.progress.appendChild(bar);
        const buttons = {
          pause: button("Pause", "pause", id),
          resume: button("Resume", "resume", id),
          cancel: button("Cancel", "cancel", id, "Cancel campaign " + id + "? Its waiting contacts will not be called."),
          requeue: button("Requeue interrupted", "requeue-interrupted", id,
                          "Dial the interrupted contacts of " + id + " again? Their calls were cut short by a crash or a stop; some may have been answered.")
        };
        for (const b of Object.values(buttons)) cells.actions.appendChild(b);
        r = { tr: tr, cells: cells, bar: bar, parts: parts, buttons: buttons };
        rows.set(id, r);
        tbody.appendChild(tr);
        return r;
      }

      function render(campaigns) {
        const seen = new Set();
        for (const c of campaigns) {
          seen.add(c.id);
          const r = row(c.id);
          const label = c.name && c.name !== c.id ? c.name + " (" + c.id + ")" : c.id;
          if (!r.link) {
            r.link = document.createElement("a");
            r.link.href = "#campaign=" + encodeURIComponent(c.id);
            r.cells.name.appendChild(r.link);
          }
          r.link.textContent = label;
          r.cells.state.textContent = c.state;
          const s = split(c.counts || {});
          const total = c.total || 0;
          for (const name of Object.keys(s)) {
            r.parts[name].style.width = total > 0 ? (100 * s[name] / total) + "%" : "0";
          }
          const finished = total > 0 ? Math.round(100 * (s.done + s.failed) / total) : 0;
          r.bar.setAttribute("aria-label", finished + "% finished: " + s.done + " done, " + s.failed + " failed, " +
                             s.dialing + " dialing, " + s.waiting + " waiting");
          r.cells.counts.textContent = s.done + " done · " + s.failed + " failed · " + s.dialing + " dialing · " +
                                       s.waiting + " waiting of " + total;
          const calls = c.calls || {};
          const amd = calls.amd || {};
          const human = amd.amd_human_detected || 0, machine = (amd.amd_machine_detected || 0) + (amd.amd_fax_detected || 0);
          const unsure = (amd.amd_no_speech_detected || 0) + (amd.amd_decision_timeout || 0);
          const abandonment = calls.abandonment || {};
          r.cells.rate.textContent = String(calls.perMinute || 0);
          r.cells.answer.textContent = calls.finished ? percent(calls.answerRate) + " of " + calls.finished : "–";
          r.cells.amd.textContent = human + machine + unsure > 0
            ? human + " human · " + machine + " machine · " + unsure + " unsure" : "–";
          r.cells.abandoned.textContent = abandonment.people
            ? percent(abandonment.rateLast30Days) + " (30 days) · " + abandonment.abandoned + " of " + abandonment.people : "–";
          r.buttons.pause.hidden = c.state !== "active";
          r.buttons.resume.hidden = c.state !== "paused";
          r.buttons.cancel.hidden = c.state === "cancelled";
          r.buttons.requeue.hidden = c.state === "cancelled" || !(c.counts && c.counts.interrupted > 0);
        }
        for (const [id, r] of rows) {
          if (!seen.has(id)) { r.tr.remove(); rows.delete(id); }
        }
        if (campaigns.length === 0) say("No campaigns yet.", false);
        else if (status.dataset.load === "1" || status.textContent === "No campaigns yet.") say("", false);
        status.dataset.load = "";
      }

      async function refresh() {
        if (busy) return;
        busy = true;
        try {
          const body = await api("GET", "/v1/campaigns");
          render(body.campaigns || []);
          syncTargets(body.campaigns || []);
          await health();
        } catch (error) {
          say("Could not load the campaigns: " + error.message, true);
          status.dataset.load = "1";
        } finally {
          busy = false;
        }
      }

      // Upload: check with ?validate=true, list every problem, import on confirm.
      const uploadForm = document.getElementById("upload-form");
      const uploadFile = document.getElementById("upload-file");
      const uploadTarget = document.getElementById("upload-target");
      const uploadID = document.getElementById("upload-id");
      const uploadResult = document.getElementById("upload-result");
      const uploadErrors = document.getElementById("upload-errors");
      const uploadConfirm = document.getElementById("upload-confirm");
      const drop = document.getElementById("drop");
      let checked = null;

      function uploadSay(text, isError) {
        uploadResult.textContent = text;
        uploadResult.className = isError ? "error" : "";
      }

      function forget() {
        checked = null;
        uploadConfirm.hidden = true;
        uploadErrors.replaceChildren();
      }

      function syncTargets(campaigns) {
        const wanted = campaigns.filter(function (c) { return c.state !== "cancelled"; }).map(function (c) { return c.id; });
        const have = Array.from(uploadTarget.options).slice(1).map(function (o) { return o.value; });
        if (wanted.join("\n") === have.join("\n")) return;
        const selected = uploadTarget.value;
        while (uploadTarget.options.length > 1) uploadTarget.remove(1);
        for (const id of wanted) {
          const option = document.createElement("option");
          option.value = id;
          option.textContent = "Campaign " + id + " (its contacts)";
          uploadTarget.appendChild(option);
        }
        uploadTarget.value = wanted.includes(selected) ? selected : "";
      }

      // The request a check or an import sends: the same path, ?validate=true for the check.
      async function uploadRequest(validate) {
        const file = uploadFile.files[0];
        if (!file) throw new Error("Choose a file first.");
        const json = /\.json$/i.test(file.name) || file.type === "application/json";
        const target = uploadTarget.value;
        const query = new URLSearchParams();
        let path;
        if (target) {
          path = "/v1/campaigns/" + encodeURIComponent(target) + "/contacts";
        } else {
          path = "/v1/campaigns";
          if (uploadID.value.trim()) query.set("id", uploadID.value.trim());
        }
        if (validate) query.set("validate", "true");
        const text = query.toString();
        const response = await fetch(path + (text ? "?" + text : ""), {
          method: "POST", credentials: "same-origin", cache: "no-store",
          headers: { "Accept": "application/json", "Content-Type": json ? "application/json" : "text/csv", "X-CSRF-Token": csrf },
          body: await file.text()
        });
        if (response.status === 401) { window.location.assign("/"); throw new Error("logged out"); }
        const body = await response.json().catch(function () { return {}; });
        return { status: response.status, ok: response.ok, body: body, name: file.name };
      }

      function showProblems(result) {
        const error = result.body.error || {};
        const details = Array.isArray(error.details) ? error.details : [];
        uploadSay(result.name + ": " + (error.message || "HTTP " + result.status), true);
        for (const d of details) {
          const li = document.createElement("li");
          const where = [];
          if (d.line !== null && d.line !== undefined) where.push("line " + d.line);
          if (d.field) where.push("field " + d.field);
          li.textContent = (where.length ? where.join(", ") + ": " : "") + d.message;
          uploadErrors.appendChild(li);
        }
      }

      uploadForm.addEventListener("submit", async function (event) {
        event.preventDefault();
        forget();
        uploadSay("Checking…", false);
        try {
          const result = await uploadRequest(true);
          if (!result.ok) { showProblems(result); return; }
          const b = result.body;
          checked = uploadFile.files[0];
          uploadSay(result.name + " is valid: " + b.contacts + " contact" + (b.contacts === 1 ? "" : "s") +
                    (b.duplicatesInRequest ? " (" + b.duplicatesInRequest + " repeated, skipped)" : "") +
                    (b.campaignExists ? " for the existing campaign " : " for the new campaign ") + b.id +
                    ". Nothing is imported until you press Import.", false);
          uploadConfirm.textContent = "Import " + b.contacts + " contact" + (b.contacts === 1 ? "" : "s") + " into " + b.id;
          uploadConfirm.hidden = false;
          uploadConfirm.focus();
        } catch (error) {
          uploadSay("Could not check the file: " + error.message, true);
        }
      });

      uploadConfirm.addEventListener("click", async function () {
        if (!checked || uploadFile.files[0] !== checked) { forget(); uploadSay("The file changed: check it again.", true); return; }
        uploadConfirm.disabled = true;
        try {
          const result = await uploadRequest(false);
          forget();
          if (!result.ok) { showProblems(result); return; }
          const b = result.body;
          uploadSay("Imported into " + b.id + ": " + b.contactsAdded + " added, " + b.contactsAlreadyPresent + " already there, " +
                    b.skippedDNC + " on the do-not-call list" + (b.alreadyImportedAt ? " (this file was imported before, at " + b.alreadyImportedAt + ")" : "") + ".", false);
          uploadForm.reset();
          await refresh();
        } catch (error) {
          uploadSay("Could not import the file: " + error.message, true);
        } finally {
          uploadConfirm.disabled = false;
        }
      });

      for (const input of [uploadFile, uploadTarget, uploadID]) input.addEventListener("change", forget);
      uploadTarget.addEventListener("change", function () { uploadID.disabled = uploadTarget.value !== ""; });
      drop.addEventListener("dragover", function (event) { event.preventDefault(); drop.classList.add("over"); });
      drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
      drop.addEventListener("drop", function (event) {
        event.preventDefault();
        drop.classList.remove("over");
        if (event.dataTransfer && event.dataTransfer.files.length > 0) {
          uploadFile.files = event.dataTransfer.files;
          forget();
          uploadSay(uploadFile.files[0].name + " chosen: press Check the file.", false);
        }
      });

      // Health: GET /v1/status with the table's poll.
      const trunkBody = document.querySelector("#trunks tbody");
      async function health() {
        const s = await api("GET", "/v1/status");
        document.getElementById("health-calls").textContent = String(s.callsInProgress);
        const w = s.webhooks || {};
        const webhooks = document.getElementById("health-webhooks");
        webhooks.textContent = (w.pending || 0) + (w.failed ? " · " + w.failed + " given up" : "");
        webhooks.className = w.failed ? "bad" : "";
        document.getElementById("health-version").textContent = s.version;
        const rows = (s.trunks || []).map(function (t) {
          const tr = document.createElement("tr");
          tr.dataset.trunk = t.name;
          cell(tr, t.name);
          cell(tr, t.registration === "not-registering" ? "does not register" : t.registration);
          if (t.registration === "failed") tr.children[1].className = "bad";
          cell(tr, t.ratePerSecond === null || t.ratePerSecond === undefined
            ? "up to " + s.dialoutLimitPerSecond + "/s" : t.ratePerSecond + "/s (lowered: the trunk pushed back)");
          tr.children[1].dataset.label = "Registration";
          tr.children[2].dataset.label = "Rate";
          return tr;
        });
        trunkBody.replaceChildren.apply(trunkBody, rows);
      }

      // The do-not-call list: loaded at start and after each change (not polled: it can be long).
      const dncForm = document.getElementById("dnc-form");
      const dncStatus = document.getElementById("dnc-status");
      const dncErrors = document.getElementById("dnc-errors");
      const dncBody = document.querySelector("#dnc-list tbody");

      function dncSay(text, isError) {
        dncStatus.textContent = text;
        dncStatus.className = isError ? "error" : "";
      }

      async function loadDNC() {
        const body = await api("GET", "/v1/dnc");
        const rows = (body.entries || []).map(function (e) {
          const tr = document.createElement("tr");
          tr.dataset.target = e.target;
          cell(tr, e.target);
          cell(tr, e.source);
          cell(tr, e.addedAt);
          tr.children[1].dataset.label = "Why";
          tr.children[2].dataset.label = "Added";
          const td = document.createElement("td");
          const b = document.createElement("button");
          b.type = "button";
          b.textContent = "Remove";
          b.setAttribute("aria-label", "Remove " + e.target + " from the do-not-call list");
          b.addEventListener("click", async function () {
            if (!window.confirm("Remove " + e.target + " from the do-not-call list? It may be called again.")) return;
            b.disabled = true;
            try {
              await api("DELETE", "/v1/dnc/" + encodeURIComponent(e.target));
              dncSay(e.target + " was removed from the list.", false);
              await loadDNC();
            } catch (error) {
              dncSay("Could not remove " + e.target + ": " + error.message, true);
              b.disabled = false;
            }
          });
          td.appendChild(b);
          tr.appendChild(td);
          return tr;
        });
        dncBody.replaceChildren.apply(dncBody, rows);
      }

      dncForm.addEventListener("submit", async function (event) {
        event.preventDefault();
        dncErrors.replaceChildren();
        const targets = document.getElementById("dnc-targets").value.split("\n")
          .map(function (t) { return t.trim(); }).filter(function (t) { return t !== ""; });
        const source = document.getElementById("dnc-source").value.trim();
        const payload = { targets: targets };
        if (source) payload.source = source;
        const response = await fetch("/v1/dnc", {
          method: "POST", credentials: "same-origin", cache: "no-store",
          headers: { "Accept": "application/json", "Content-Type": "application/json", "X-CSRF-Token": csrf },
          body: JSON.stringify(payload)
        });
        if (response.status === 401) { window.location.assign("/"); return; }
        const body = await response.json().catch(function () { return {}; });
        if (!response.ok) {
          const error = body.error || {};
          dncSay("Nothing was added: " + (error.message || "HTTP " + response.status), true);
          for (const d of (Array.isArray(error.details) ? error.details : [])) {
            const li = document.createElement("li");
            // targets[2] is the third line of the box.
            const index = /^targets\[(\d+)\]$/.exec(d.field || "");
            li.textContent = (index ? "line " + (Number(index[1]) + 1) + ": " : (d.field ? d.field + ": " : "")) + d.message;
            dncErrors.appendChild(li);
          }
          return;
        }
        dncSay(body.added === body.targets ? body.added + " added."
               : body.added + " of " + body.targets + " added (the others were on the list already).", false);
        dncForm.reset();
        await loadDNC();
      });

      loadDNC().catch(function (error) { dncSay("Could not load the do-not-call list: " + error.message, true); });

      // A campaign's page: its settings and its latest CDRs, polled while it is shown.
      const overview = document.getElementById("overview");
      const campaignSection = document.getElementById("campaign");
      const campaignTitle = document.getElementById("campaign-title");
      const campaignStatus = document.getElementById("campaign-status");
      const settingsList = document.getElementById("campaign-settings");
      const cdrBody = document.querySelector("#cdrs tbody");
      const download = document.getElementById("cdrs-download");
      let shown = null;

      function shownCampaign() {
        const match = /^#campaign=(.+)$/.exec(window.location.hash);
        return match ? decodeURIComponent(match[1]) : null;
      }

      function cell(tr, text) {
        const td = document.createElement("td");
        td.textContent = text === null || text === undefined ? "–" : String(text);
        tr.appendChild(td);
      }

      // The browser's local time (what an operator reads a clock by); the CDR's UTC time on hover.
      function timeCell(tr, iso) {
        const td = document.createElement("td");
        const when = iso ? new Date(iso) : null;
        if (when && !isNaN(when.getTime())) {
          const pad = function (n) { return String(n).padStart(2, "0"); };
          td.textContent = when.getFullYear() + "-" + pad(when.getMonth() + 1) + "-" + pad(when.getDate()) + " "
            + pad(when.getHours()) + ":" + pad(when.getMinutes()) + ":" + pad(when.getSeconds());
          td.title = iso;
        } else {
          td.textContent = iso || "–";
        }
        tr.appendChild(td);
      }

      // The outcome's code, and under it why (the SIP response or what campaignd saw).
      function reasonCell(tr, code, reason) {
        const td = document.createElement("td");
        td.textContent = code || "–";
        if (reason) {
          const why = document.createElement("small");
          why.className = "why";
          why.textContent = reason;
          td.appendChild(document.createElement("br"));
          td.appendChild(why);
        }
        tr.appendChild(td);
      }

      async function loadCDRs(id) {
        const response = await fetch("/v1/cdrs?campaign=" + encodeURIComponent(id) + "&last=20",
                                     { credentials: "same-origin", cache: "no-store" });
        if (response.status === 401) { window.location.assign("/"); return; }
        if (!response.ok) throw new Error("HTTP " + response.status);
        const lines = (await response.text()).split("\n").filter(function (l) { return l.trim() !== ""; });
        const rows = [];
        for (const line of lines.reverse()) {
          let cdr;
          try { cdr = JSON.parse(line); } catch (e) { continue; }
          const tr = document.createElement("tr");
          tr.dataset.cdrId = cdr.cdrId || "";
          timeCell(tr, cdr.startTime);
          cell(tr, cdr.target);
          cell(tr, cdr.attempt);
          cell(tr, cdr.status);
          reasonCell(tr, cdr.reasonCode, cdr.reason);
          cell(tr, cdr.callDurationSec);
          cell(tr, cdr.machineDetection);
          // On a phone the header row is hidden: each cell says what it is.
          ["Started", "Target", "Attempt", "Status", "Reason", "Seconds", "AMD"].forEach(function (label, i) {
            tr.children[i].dataset.label = label;
          });
          rows.push(tr);
        }
        if (id !== shown) return;
        cdrBody.replaceChildren.apply(cdrBody, rows);
        if (rows.length === 0) {
          const tr = document.createElement("tr");
          const td = document.createElement("td");
          td.colSpan = 7;
          td.textContent = "No calls yet.";
          tr.appendChild(td);
          cdrBody.appendChild(tr);
        }
      }

      async function showCampaign(id) {
        shown = id;
        overview.hidden = true;
        campaignSection.hidden = false;
        campaignTitle.textContent = "Campaign " + id;
        download.href = "/v1/cdrs?campaign=" + encodeURIComponent(id) + "&format=csv";
        download.setAttribute("download", id + "-cdrs.csv");
        const report = "/v1/campaigns/" + encodeURIComponent(id) + "/report?format=html";
        document.getElementById("report").src = report;
        document.getElementById("report-open").href = report;
        settingsList.replaceChildren();
        cdrBody.replaceChildren();
        campaignStatus.textContent = "Loading…";
        campaignStatus.className = "";
        try {
          const c = await api("GET", "/v1/campaigns/" + encodeURIComponent(id));
          if (id !== shown) return;
          campaignStatus.textContent = "State: " + c.state + " · " + (c.total || 0) + " contacts";
          const settings = c.settings || {};
          for (const key of Object.keys(settings).sort()) {
            const dt = document.createElement("dt");
            dt.textContent = key;
            const dd = document.createElement("dd");
            const value = settings[key];
            dd.textContent = typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
            settingsList.append(dt, dd);
          }
          await loadCDRs(id);
        } catch (error) {
          campaignStatus.textContent = "Could not load campaign " + id + ": " + error.message;
          campaignStatus.className = "error";
        }
      }

      function route() {
        const id = shownCampaign();
        if (id) { showCampaign(id); return; }
        shown = null;
        document.getElementById("report").removeAttribute("src");
        campaignSection.hidden = true;
        overview.hidden = false;
      }

      // The report is made from every finished attempt: reloaded on request, not polled.
      document.getElementById("report-refresh").addEventListener("click", function () {
        const frame = document.getElementById("report");
        if (shown) frame.src = "/v1/campaigns/" + encodeURIComponent(shown) + "/report?format=html&at=" + Date.now();
      });

      window.addEventListener("hashchange", route);
      route();
      setInterval(function () {
        if (shown) loadCDRs(shown).catch(function () {});
      }, 2000);

      document.getElementById("logout").addEventListener("click", async function () {
        await fetch("/console/logout", { method: "POST", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" });
        window.location.assign("/");
      });

      refresh();
      setInterval(refresh, 1000);
    })();

    """#
}
