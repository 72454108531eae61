// Shared behaviour of every page: the phone menu, the store picker, confirmations and copy buttons.
(function () {
  "use strict";

  const toggle = document.querySelector(".nav-toggle");
  const nav = document.getElementById("site-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      const open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", String(!open));
      nav.classList.toggle("open", !open);
    });
  }

  // The store picker changes page as soon as a store is chosen (a button does it without JavaScript).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Forms that destroy something ask first (delegated: parts of a page swapped in later ask too).
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  // A table row with data-href opens that page wherever it is clicked (its first cell's link is still there
  // for the keyboard and for opening in a new tab); clicks on the row's own links and controls are theirs.
  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const row = event.target.closest && event.target.closest("tr[data-href]");
    if (!row || event.target.closest("a, button, input, select, textarea, label, summary")) return;
    if (window.getSelection && String(window.getSelection())) return; // selecting text to copy it
    window.location.assign(row.dataset.href);
  });

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      const input = document.querySelector(button.dataset.copy);
      input.select();
      const done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard) navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      else { document.execCommand("copy"); done(); }
    });
  });
})();

// The page is ready once every script of it has bound its handlers: deferred scripts (all of this
// site's) run in order before DOMContentLoaded, so this listener runs after the last page script's
// setup. Until then a click can land on a button that does nothing yet; tests wait for the mark.
document.addEventListener("DOMContentLoaded", function () {
  document.documentElement.dataset.ready = "1";
});

// Helpers the page scripts share.
window.Callcenter = {
  csrfToken: function () {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  },
  post: function (url, data) {
    const body = new URLSearchParams(data || {});
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": window.Callcenter.csrfToken(), "Accept": "application/json" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) {
          const error = new Error(json.message || ("HTTP " + response.status));
          error.status = response.status;
          throw error;
        }
        return json;
      });
    });
  },
};
