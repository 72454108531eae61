// /calls/<id>/ while the call is live: each event about this call (from /ws/calls/) brings a fresh copy
// of the page, whose details, recording and transcript replace the ones on screen. Once the call has
// ended the page stops listening. Each (re)connection's snapshot brings a fresh copy too, so nothing is missed.
(function () {
  "use strict";
  const root = document.getElementById("call-live");
  const connection = document.getElementById("connection");
  if (!root || root.dataset.live !== "1") return;
  const id = root.dataset.id; // the call's row id: its callId may be another store's call's too
  let socket = null;
  let retries = 0;
  let pending = null;
  let ended = false;

  function setConnection(state, text) {
    if (!connection) return;
    connection.dataset.state = state;
    connection.querySelector(".connection-text").textContent = text;
  }

  function refresh() {
    // Events can come in bursts (a transcript line, then the call's update): one fetch for a burst.
    if (pending) return;
    pending = window.setTimeout(function () {
      pending = null;
      fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
        .then(function (html) {
          const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("call-live");
          if (!fresh) return;
          root.innerHTML = fresh.innerHTML;
          root.dataset.live = fresh.dataset.live;
          if (fresh.dataset.live !== "1") stop();
        })
        .catch(function () { /* the next event or reconnect tries again */ });
    }, 150);
  }

  function stop() {
    ended = true;
    setConnection("closed", "The call has ended.");
    if (socket) socket.close(1000);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/calls/");
    setConnection("connecting", retries ? "Reconnecting…" : "Connecting…");
    socket.addEventListener("open", function () { retries = 0; setConnection("open", "Live: updates as the call goes on"); });
    socket.addEventListener("message", function (event) {
      let message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      // The snapshot opens every connection: reading the page then catches up on whatever happened
      // between this page's rendering (or a dropped connection) and now.
      if (message.type === "snapshot" || String(message.id) === id) refresh();
    });
    socket.addEventListener("close", function (event) {
      if (ended) return;
      if (event.code === 4401 || event.code === 4403) { setConnection("closed", "Signed out: sign in again to follow the call."); return; }
      const delay = Math.min(15000, 1000 * Math.pow(2, retries));
      retries += 1;
      setConnection("closed", "Connection lost: reconnecting…");
      window.setTimeout(connect, delay);
    });
  }

  connect();
})();
