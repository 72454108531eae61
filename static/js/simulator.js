// /simulator/: a call to the store's voice agent, turn by turn, through the real voice webhooks
// (the server signs each request as Twilio would). Answers are read aloud with the browser's speech synthesis.
(function () {
  "use strict";
  const root = document.getElementById("simulator");
  if (!root) return;
  const log = document.getElementById("sim-log");
  const state = document.getElementById("sim-state");
  const startButton = document.getElementById("sim-start");
  const hangupButton = document.getElementById("sim-hangup");
  const form = document.getElementById("sim-form");
  const input = document.getElementById("sim-text");
  const sayButton = document.getElementById("sim-say");
  const speak = document.getElementById("sim-speak");
  let callId = null;

  function add(kind, speaker, text, verbs) {
    const li = document.createElement("li");
    li.className = "bubble " + kind;
    const who = document.createElement("span");
    who.className = "speaker";
    who.textContent = speaker;
    const what = document.createElement("span");
    what.className = "text";
    what.textContent = text;
    li.append(who, what);
    if (verbs && verbs.length) {
      const tags = document.createElement("span");
      tags.className = "verbs";
      tags.setAttribute("aria-label", "TwiML verbs");
      verbs.filter(function (line) { return line.trim().startsWith("[") || line.trim().startsWith("("); })
        .forEach(function (line) {
          const tag = document.createElement("code");
          tag.className = "verb";
          tag.textContent = line.trim();
          tags.append(tag);
        });
      li.append(tags);
    }
    log.append(li);
    li.scrollIntoView({ block: "nearest" });
  }

  function voice(texts) {
    root.dataset.spoken = texts.join(" ");
    if (!speak.checked || !("speechSynthesis" in window)) return;
    window.speechSynthesis.cancel();
    texts.forEach(function (text) {
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = root.dataset.lang || "en-US";
      window.speechSynthesis.speak(utterance);
    });
  }

  function show(answer) {
    const said = answer.said.length ? answer.said.join(" ") : "(no words)";
    add("from-agent", "Agent", said, answer.verbs);
    voice(answer.said);
    if (answer.listening || answer.dialling) {
      setLive(true);
      if (answer.dialling) state.textContent = "Transferring… say something to come back to the agent.";
      return;
    }
    // The agent hung up: Twilio would now send the call's final status, and so does the simulator.
    const id = callId;
    callId = null;
    setLive(false);
    state.textContent = "The agent ended the call.";
    window.Callcenter.post("/simulator/hangup", { callId: id }).catch(function () {});
  }

  function setLive(live) {
    input.disabled = sayButton.disabled = hangupButton.disabled = !live;
    startButton.disabled = live;
    state.textContent = live ? "On a call (" + callId + ")" : "No call.";
    root.dataset.state = live ? "live" : "idle";
    if (live) input.focus();
  }

  function fail(error) {
    add("from-system", "Simulator", error.message);
    state.textContent = "Error: " + error.message;
  }

  startButton.addEventListener("click", function () {
    log.textContent = "";
    startButton.disabled = true;
    state.textContent = "Calling…";
    window.Callcenter.post("/simulator/start", { store: root.dataset.store })
      .then(function (answer) { callId = answer.callId; root.dataset.callId = callId; show(answer); })
      .catch(function (error) { startButton.disabled = false; fail(error); });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!callId) return;
    const text = input.value.trim();
    add("from-caller", "Caller", text || "(silence)");
    input.value = "";
    sayButton.disabled = true;
    window.Callcenter.post("/simulator/say", { callId: callId, text: text })
      .then(show)
      .catch(function (error) { fail(error); sayButton.disabled = false; });
  });

  hangupButton.addEventListener("click", function () {
    if (!callId) return;
    const id = callId;
    window.Callcenter.post("/simulator/hangup", { callId: id })
      .then(function () { add("from-system", "Simulator", "You hung up."); callId = null; setLive(false); })
      .catch(fail);
  });

  // Leaving the page hangs up, so the call does not stay "in progress" on /live/.
  window.addEventListener("pagehide", function () {
    if (!callId) return;
    const data = new FormData();
    data.append("callId", callId);
    data.append("csrfmiddlewaretoken", window.Callcenter.csrfToken());
    navigator.sendBeacon("/simulator/hangup", data);
  });
})();
