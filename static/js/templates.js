// The voice template form: the text as a caller would hear it, filled with sample values, as you type.
(function () {
  "use strict";
  const source = document.getElementById("id_text_content");
  const output = document.querySelector(".preview-text");
  const samplesNode = document.getElementById("template-samples");
  if (!source || !output || !samplesNode) return;
  const samples = JSON.parse(samplesNode.textContent);
  function render() {
    // The same substitution as store/placeholders.py's fill(): {{ and }} are literal braces, a
    // documented {name} its sample, anything else in braces is left out, a lone brace stays.
    output.textContent = source.value.replace(/\{\{|\}\}|\{([^{}]*)\}/g, function (token, name) {
      if (name === undefined) return token.charAt(0);
      return Object.prototype.hasOwnProperty.call(samples, name) ? samples[name] : "";
    }).trim() || "—";
  }
  source.addEventListener("input", render);
  render();
})();
