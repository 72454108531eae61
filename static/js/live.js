// /live/: calls in progress from /ws/calls/ (a snapshot, then callStarted, callUpdated, transcriptUpdated,
// callTerminated). Reconnects by itself after a drop and starts again from the new snapshot.
(function () {
  "use strict";
  const root = document.getElementById("live-calls");
  if (!root) return;
  const template = document.getElementById("live-call-template");
  const empty = document.getElementById("live-empty");
  const connection = document.getElementById("connection");
  const dialog = document.getElementById("terminate-dialog");
  const storeFilter = root.dataset.store || "";
  const LIVE = ["queued", "ringing", "in-progress"];
  const CALLER_SPEAKERS = ["user", "caller", "customer"];
  const calls = new Map(); // callId -> {el, data, transcriptFromEvent, ended}
  let socket = null;
  let retries = 0;
  let pendingTerminate = null;

  function setConnection(state, text) {
    connection.dataset.state = state;
    connection.querySelector(".connection-text").textContent = text;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/calls/");
    setConnection("connecting", retries ? "Reconnecting…" : "Connecting…");
    socket.addEventListener("open", function () { retries = 0; setConnection("open", "Live"); });
    socket.addEventListener("message", function (event) {
      let message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      handle(message);
    });
    socket.addEventListener("close", function (event) {
      if (event.code === 4401 || event.code === 4403) {
        setConnection("closed", "Signed out: sign in again to watch calls.");
        return;
      }
      // Back off 1, 2, 4 … 15 s; the next connection begins with a fresh snapshot.
      const delay = Math.min(15000, 1000 * Math.pow(2, retries));
      retries += 1;
      setConnection("closed", "Connection lost: reconnecting…");
      window.setTimeout(connect, delay);
    });
  }

  function handle(message) {
    switch (message.type) {
      case "snapshot": {
        const seen = new Set();
        (message.calls || []).forEach(function (data, index) {
          seen.add(data.callId);
          const entry = upsert(data.callId, data);
          // Transcripts of the first calls on screen; the others fill in as their events arrive.
          if (index < 50 && !entry.transcriptFromEvent) loadDetails(data.callId, data.id);
        });
        calls.forEach(function (entry, callId) { if (!seen.has(callId)) remove(callId); });
        break;
      }
      case "callStarted":
        upsert(message.callId, { callId: message.callId, caller: message.caller, receiver: message.receiver, startTime: message.timestamp, status: "in-progress" });
        loadDetails(message.callId, null);
        break;
      case "callUpdated":
        if (calls.has(message.callId)) upsert(message.callId, message.data || {});
        else loadDetails(message.callId, null);
        break;
      case "transcriptUpdated":
        if (!calls.has(message.callId)) loadDetails(message.callId, null);
        else {
          calls.get(message.callId).transcriptFromEvent = true;
          renderTranscript(calls.get(message.callId), message.transcript || "");
        }
        break;
      case "callTerminated":
        end(message.callId, message.status);
        break;
    }
  }

  // The snapshot and events carry no transcript and (callStarted) no store or id: read the call once.
  function loadDetails(callId, id) {
    fetch("/api/calls/" + encodeURIComponent(id || callId), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body || !body.data) return;
        const data = body.data;
        if (!LIVE.includes(data.status)) { end(data.callId, data.status); return; }
        const entry = upsert(data.callId, data);
        if (entry && !entry.transcriptFromEvent) renderTranscript(entry, data.transcript || "");
      })
      .catch(function () { /* the next event or snapshot fills it in */ });
  }

  function upsert(callId, data) {
    let entry = calls.get(callId);
    if (!entry) {
      const el = template.content.firstElementChild.cloneNode(true);
      el.dataset.callId = callId;
      el.querySelector(".live-terminate").addEventListener("click", function () { askTerminate(callId); });
      entry = { el: el, data: {}, transcriptFromEvent: false, ended: false };
      calls.set(callId, entry);
      root.prepend(el);
    }
    if (entry.ended) return entry;
    Object.assign(entry.data, data);
    render(entry);
    if (data.status && !LIVE.includes(data.status)) end(callId, data.status);
    return entry;
  }

  function render(entry) {
    const d = entry.data;
    const el = entry.el;
    el.querySelector(".live-caller").textContent = d.caller || "Unknown caller";
    el.setAttribute("aria-label", "Call from " + (d.caller || "an unknown caller"));
    const meta = [d.receiver ? "to " + d.receiver : "", d.type || "", d.language || "", d.store || ""].filter(Boolean);
    el.querySelector(".live-meta").textContent = meta.join(" · ");
    const status = el.querySelector(".live-status");
    status.textContent = d.status || "in-progress";
    status.className = "badge live-status status-" + (d.status || "in-progress");
    const link = el.querySelector(".live-details");
    if (d.id) link.href = "/calls/" + d.id + "/"; else link.removeAttribute("href");
    // Another store's call (when one store is picked) stays out of sight; so does one whose store is not known yet.
    el.hidden = Boolean(storeFilter) && d.store !== storeFilter;
    tickOne(entry);
    refreshEmpty();
  }

  function renderTranscript(entry, text) {
    const box = entry.el.querySelector(".live-transcript");
    box.textContent = "";
    text.split("\n").filter(function (line) { return line.trim(); }).forEach(function (line) {
      const at = line.indexOf(":");
      const speaker = at > 0 && at <= 40 ? line.slice(0, at).trim() : "";
      const words = speaker ? line.slice(at + 1).trim() : line.trim();
      const p = document.createElement("p");
      p.className = "bubble " + (CALLER_SPEAKERS.includes(speaker.toLowerCase()) ? "from-caller" : "from-agent");
      const who = document.createElement("span");
      who.className = "speaker";
      who.textContent = speaker || "—";
      const what = document.createElement("span");
      what.className = "text";
      what.textContent = words;
      p.append(who, what);
      box.append(p);
    });
    box.scrollTop = box.scrollHeight;
  }

  function end(callId, status) {
    const entry = calls.get(callId);
    if (!entry || entry.ended) return;
    entry.ended = true;
    entry.data.status = status;
    const badge = entry.el.querySelector(".live-status");
    badge.textContent = status || "ended";
    badge.className = "badge live-status status-" + (status || "ended");
    entry.el.classList.add("ended");
    entry.el.querySelector(".live-terminate").disabled = true;
    // Leave for a moment so the change is seen, then go.
    window.setTimeout(function () { remove(callId); }, 3000);
  }

  function remove(callId) {
    const entry = calls.get(callId);
    if (!entry) return;
    entry.el.remove();
    calls.delete(callId);
    refreshEmpty();
  }

  function refreshEmpty() {
    let visible = 0;
    calls.forEach(function (entry) { if (!entry.el.hidden) visible += 1; });
    empty.hidden = visible > 0;
  }

  function askTerminate(callId) {
    const entry = calls.get(callId);
    if (!entry || entry.ended) return;
    pendingTerminate = callId;
    document.getElementById("terminate-text").textContent =
      "The call from " + (entry.data.caller || "an unknown caller") + " will be disconnected.";
    if (typeof dialog.showModal === "function") dialog.showModal();
    else if (window.confirm("Hang up this call?")) terminate(callId);
  }

  dialog.addEventListener("close", function () {
    const callId = pendingTerminate;
    pendingTerminate = null;
    if (dialog.returnValue === "confirm" && callId) terminate(callId);
  });

  function terminate(callId) {
    const entry = calls.get(callId);
    if (!entry) return;
    const button = entry.el.querySelector(".live-terminate");
    button.disabled = true;
    button.textContent = "Hanging up…";
    window.Callcenter.post("/api/calls/" + encodeURIComponent(entry.data.id || callId) + "/terminate")
      .then(function () { end(callId, "terminated"); })
      .catch(function (error) {
        if (error.status === 409) { end(callId, entry.data.status || "ended"); return; }
        button.disabled = false;
        button.textContent = "Hang up";
        entry.el.querySelector(".live-meta").textContent = "Could not hang up: " + error.message;
      });
  }

  function formatDuration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const rest = String(s % 60).padStart(2, "0");
    return h ? h + ":" + String(m).padStart(2, "0") + ":" + rest : m + ":" + rest;
  }

  function tickOne(entry) {
    if (entry.ended || !entry.data.startTime) return;
    const started = Date.parse(entry.data.startTime);
    if (!isNaN(started)) entry.el.querySelector(".live-duration").textContent = formatDuration((Date.now() - started) / 1000);
  }

  // For the browser tests and the curious: the current socket (closing it shows the reconnect).
  window.CallcenterLive = { get socket() { return socket; } };
  window.setInterval(function () { calls.forEach(tickOne); }, 1000);
  refreshEmpty();
  connect();
})();
