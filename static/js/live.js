// /live/: calls in progress from /ws/calls/ (a snapshot, then callStarted, callUpdated, transcriptUpdated,
// callTerminated). Reconnects by itself after a drop and starts again from the new snapshot. A card is
// keyed by the call's row id (`id`): two stores may each have a call with the same callId.
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
  const calls = new Map(); // the call's id -> {el, data, transcriptFromEvent, ended}
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
          const key = String(data.id);
          seen.add(key);
          const entry = upsert(key, data);
          // Transcripts of the first calls on screen; the others fill in as their events arrive.
          if (index < 50 && !entry.transcriptFromEvent) loadDetails(key);
        });
        calls.forEach(function (entry, key) { if (!seen.has(key)) remove(key); });
        break;
      }
      case "callStarted":
        upsert(keyOf(message), { id: message.id, callId: message.callId, store: message.store, caller: message.caller, receiver: message.receiver, startTime: message.timestamp, status: "in-progress" });
        loadDetails(keyOf(message));
        break;
      case "callUpdated":
        if (calls.has(keyOf(message))) upsert(keyOf(message), message.data || {});
        else loadDetails(keyOf(message));
        break;
      case "transcriptUpdated":
        if (!calls.has(keyOf(message))) loadDetails(keyOf(message));
        else {
          calls.get(keyOf(message)).transcriptFromEvent = true;
          renderTranscript(calls.get(keyOf(message)), message.transcript || "");
        }
        break;
      case "callTerminated":
        end(keyOf(message), message.status);
        break;
    }
  }

  function keyOf(message) { return String(message.id); }

  // The snapshot and events carry no transcript (the snapshot does; events only as it grows): read the call once.
  function loadDetails(key) {
    fetch("/api/calls/" + encodeURIComponent(key), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body || !body.data) return;
        const data = body.data;
        if (!LIVE.includes(data.status)) { end(key, data.status); return; }
        const entry = upsert(key, data);
        if (entry && !entry.transcriptFromEvent) renderTranscript(entry, data.transcript || "");
      })
      .catch(function () { /* the next event or snapshot fills it in */ });
  }

  function upsert(key, data) {
    let entry = calls.get(key);
    if (!entry) {
      const el = template.content.firstElementChild.cloneNode(true);
      el.dataset.id = key;
      el.querySelector(".live-terminate").addEventListener("click", function () { askTerminate(key); });
      entry = { el: el, data: {}, transcriptFromEvent: false, ended: false };
      calls.set(key, entry);
      root.prepend(el);
    }
    if (entry.ended) return entry;
    Object.assign(entry.data, data);
    // The callId too, for people and tests that look a call up by it (two stores may share one).
    if (entry.data.callId) entry.el.dataset.callId = entry.data.callId;
    render(entry);
    if (data.status && !LIVE.includes(data.status)) end(key, data.status);
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

  function end(key, status) {
    const entry = calls.get(key);
    if (!entry || entry.ended) return;
    entry.ended = true;
    entry.data.status = status;
    const badge = entry.el.querySelector(".live-status");
    badge.textContent = status || "ended";
    badge.className = "badge live-status status-" + (status || "ended");
    entry.el.classList.add("ended");
    entry.el.querySelector(".live-terminate").disabled = true;
    // Leave for a moment so the change is seen, then go.
    window.setTimeout(function () { remove(key); }, 3000);
  }

  function remove(key) {
    const entry = calls.get(key);
    if (!entry) return;
    entry.el.remove();
    calls.delete(key);
    refreshEmpty();
  }

  function refreshEmpty() {
    let visible = 0;
    calls.forEach(function (entry) { if (!entry.el.hidden) visible += 1; });
    empty.hidden = visible > 0;
  }

  function askTerminate(key) {
    const entry = calls.get(key);
    if (!entry || entry.ended) return;
    pendingTerminate = key;
    document.getElementById("terminate-text").textContent =
      "The call from " + (entry.data.caller || "an unknown caller") + " will be disconnected.";
    if (typeof dialog.showModal === "function") dialog.showModal();
    else if (window.confirm("Hang up this call?")) terminate(key);
  }

  dialog.addEventListener("close", function () {
    const key = pendingTerminate;
    pendingTerminate = null;
    if (dialog.returnValue === "confirm" && key) terminate(key);
  });

  function terminate(key) {
    const entry = calls.get(key);
    if (!entry) return;
    const button = entry.el.querySelector(".live-terminate");
    button.disabled = true;
    button.textContent = "Hanging up…";
    window.Callcenter.post("/api/calls/" + encodeURIComponent(key) + "/terminate")
      .then(function () { end(key, "terminated"); })
      .catch(function (error) {
        if (error.status === 409) { end(key, entry.data.status || "ended"); return; }
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
