// The voice template form: the text as a caller would hear it, filled with sample values, as you type.
(function () {
  "use strict";
  const source = document.getElementById("id_text_content");
  const output = document.querySelector(".preview-text");
  const samplesNode = document.getElementById("template-samples");
  if (!source || !output || !samplesNode) return;
  const samples = JSON.parse(samplesNode.textContent);
  function render() {
    output.textContent = source.value.replace(/\{(\w*)\}/g, function (_, name) {
      return Object.prototype.hasOwnProperty.call(samples, name) ? samples[name] : "{" + name + "}";
    }).trim() || "—";
  }
  source.addEventListener("input", render);
  render();
})();
