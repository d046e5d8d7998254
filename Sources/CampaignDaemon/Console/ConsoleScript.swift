/// The console's script: polls `GET /v1/campaigns` once a second and renders the table; its
/// buttons call `POST /v1/campaigns/{id}/{pause|resume|cancel}` with the page's CSRF token. The
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
            say("Campaign " + id + " is now " + result.state + ".", false);
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
        for (const name of ["name", "state", "progress", "counts", "actions"]) {
          cells[name] = document.createElement("td");
          cells[name].className = name;
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
          cancel: button("Cancel", "cancel", id, "Cancel campaign " + id + "? Its waiting contacts will not be called.")
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
          r.cells.name.textContent = c.name && c.name !== c.id ? c.name + " (" + c.id + ")" : c.id;
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
          r.buttons.pause.hidden = c.state !== "active";
          r.buttons.resume.hidden = c.state !== "paused";
          r.buttons.cancel.hidden = c.state === "cancelled";
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
        } catch (error) {
          say("Could not load the campaigns: " + error.message, true);
          status.dataset.load = "1";
        } finally {
          busy = false;
        }
      }

      document.getElementById("logout").addEventListener("click", async function () {
        await fetch("/console/logout", { method: "POST", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" });
        window.location.assign("/");
      });

      refresh();
      setInterval(refresh, 1000);
    })();

    """#
}
