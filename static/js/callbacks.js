// /callbacks/: a callback the voice agent schedules while the page is open (a `callbackCreated` event on
// /ws/calls/) brings up a notice to reload the list; without the event, reloading the page shows it.
(function () {
  "use strict";
  const list = document.getElementById("callbacks");
  const notice = document.getElementById("callbacks-new");
  if (!list || !notice || !window.WebSocket) return;
  const storeFilter = list.dataset.store || "";
  let retries = 0;

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/calls/");
    socket.addEventListener("open", function () { retries = 0; });
    socket.addEventListener("message", function (event) {
      let message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      if (message.type !== "callbackCreated") return;
      if (storeFilter && message.store && message.store !== storeFilter) return;
      notice.hidden = false;
    });
    socket.addEventListener("close", function (event) {
      if (event.code === 4401 || event.code === 4403) return;
      retries += 1;
      window.setTimeout(connect, Math.min(15000, 1000 * Math.pow(2, retries)));
    });
  }
  connect();
})();
