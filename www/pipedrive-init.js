// Pipedrive drops a custom panel whose SDK has not initialized within 10 seconds. This
// classic script is the first thing on the page (the widget's, and the page saying why the
// panel cannot open): it posts `initialize` before anything else loads (the widget's wasm
// starts after the first paint). The protocol is the app extensions SDK's: the command with the panel's runtime id
// (`?id=`) and a port for the answer (src/host_pipedrive.rs speaks the rest).
//
// Once Pipedrive has answered `initialize` (the order the SDK's users follow: `listen`
// after `await initialize()`), it listens to `user_settings_change` as the SDK's `listen`
// does (a `listener` message with a port, answered `{data: {theme}}` on each change:
// https://github.com/pipedrive/app-extensions-sdk/blob/e9cc6fb/src/index.ts): the page
// arrives in the theme of the panel URL's `?theme=`, and follows the user's as it changes.
(function () {
  var id = new URLSearchParams(location.search).get("id");
  if (!id || window.parent === window) return;
  var channel = new MessageChannel();
  var message = { payload: { command: "initialize", args: { size: { height: 320 } }, type: "command" }, id: id };
  window.parent.postMessage(message, "*", [channel.port2]);
  window.__auroraPanelInitializedAt = performance.now();
  channel.port1.onmessage = function () {
    channel.port1.close();
    var settings = new MessageChannel();
    settings.port1.onmessage = function (event) {
      var theme = event.data && event.data.data && event.data.data.theme;
      if (theme) document.documentElement.setAttribute("data-theme", theme === "dark" ? "dark" : "light");
    };
    var listen = { payload: { type: "listener", event: "user_settings_change" }, id: id };
    window.parent.postMessage(listen, "*", [settings.port2]);
  };
})();
