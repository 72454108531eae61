// /callbacks/: a callback the voice agent (or anyone) schedules while the page is open (a `callbackCreated`
// event on /ws/calls/) appears in the list at once: the page reads itself again (same filters, same page,
// the server's order) and swaps the list in, the new row marked. After a dropped connection it reads
// itself again too, so callbacks made meanwhile are not missed.
(function () {
  "use strict";
  const list = document.getElementById("callbacks");
  const notice = document.getElementById("callbacks-new");
  if (!list || !notice || !window.WebSocket) return;
  const storeFilter = list.dataset.store || "";
  let retries = 0;
  let reading = null;
  const fresh = new Set(); // ids of callbacks that arrived while the page was open

  function refresh(announce) {
    // One read at a time; an event during a read reads again afterwards.
    if (reading) { reading.again = true; return; }
    reading = { again: false };
    fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) return;
        const doc = new DOMParser().parseFromString(html, "text/html");
        const next = doc.getElementById("callbacks");
        const total = doc.getElementById("callback-total");
        const current = document.getElementById("callbacks");
        if (!next || !current) return;
        current.replaceChildren.apply(current, Array.from(next.childNodes).map(function (node) { return document.importNode(node, true); }));
        if (total) document.getElementById("callback-total").textContent = total.textContent;
        fresh.forEach(function (id) {
          const row = current.querySelector('tr[data-callback-id="' + id + '"]');
          if (row) row.classList.add("new");
        });
        if (announce) {
          notice.textContent = announce;
          notice.hidden = false;
        }
      })
      .catch(function () { /* the next event or reconnection reads it again */ })
      .finally(function () {
        const again = reading.again;
        reading = null;
        if (again) refresh("");
      });
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/calls/");
    socket.addEventListener("open", function () {
      if (retries) refresh("");
      retries = 0;
      list.dataset.live = "open";
    });
    socket.addEventListener("message", function (event) {
      let message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      if (message.type !== "callbackCreated") return;
      if (storeFilter && message.store && message.store !== storeFilter) return;
      fresh.add(String(message.id));
      refresh("New callback: " + (message.customerName || message.customerPhone || "a customer") + (message.reason ? " (" + message.reason + ")" : "") + ".");
    });
    socket.addEventListener("close", function (event) {
      list.dataset.live = "closed";
      if (event.code === 4401 || event.code === 4403) return;
      retries += 1;
      window.setTimeout(connect, Math.min(15000, 1000 * Math.pow(2, retries)));
    });
  }
  connect();
})();
