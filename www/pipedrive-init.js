// Pipedrive drops a custom panel whose SDK has not initialized within 10 seconds. This
// classic script is the first thing on the page (the widget's, and the page saying why the
// panel cannot open): it posts `initialize` before anything else loads (the widget's wasm
// starts after the first paint). The protocol is the app extensions SDK's: the command with the panel's runtime id
// (`?id=`) and a port for the answer (src/host_pipedrive.rs speaks the rest).
(function () {
  var id = new URLSearchParams(location.search).get("id");
  if (!id || window.parent === window) return;
  var channel = new MessageChannel();
  var message = { payload: { command: "initialize", args: { size: { height: 320 } }, type: "command" }, id: id };
  window.parent.postMessage(message, "*", [channel.port2]);
  window.__auroraPanelInitializedAt = performance.now();
})();
