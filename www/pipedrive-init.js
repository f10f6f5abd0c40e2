// Pipedrive drops a custom panel or modal whose SDK has not initialized within 10 seconds.
// This classic script is the first thing on the page (the widget's, and the page saying why
// the panel cannot open): it posts `initialize` as soon as the page's HTML is parsed (the
// worker rendered the screen into it), sized to that screen so the frame does not jump,
// well before the widget's wasm loads (after the first paint). The protocol is the app
// extensions SDK's: the command with the frame's runtime id (`?id=`) and a port for the
// answer (src/host_pipedrive.rs speaks the rest).
//
// Once Pipedrive has answered `initialize` (the order the SDK's users follow: `listen`
// after `await initialize()`), it listens as the SDK's `listen` does (a `listener` message
// with a port, answered `{data}` on each event:
// https://github.com/pipedrive/app-extensions-sdk/blob/e9cc6fb/src/index.ts):
// - `user_settings_change` `{theme}`: the page arrives in the theme of the URL's `?theme=`,
//   and follows the user's as it changes;
// - `visibility` `{is_visible}`, sent when the user collapses or expands a panel (README,
//   "Visibility"): a collapsed panel is marked `data-host-hidden` on <html> and the widget
//   stops polling until it opens again (`hostvisibilitychange` tells it).
(function () {
  var id = new URLSearchParams(location.search).get("id");
  if (!id || window.parent === window) return;
  var root = document.documentElement;
  // The design's custom modal ("minimum height is 120px, and the minimum width is 320px";
  // at most the browser's) or the sidebar panel (height 100..750, fixed width).
  var modal = root.getAttribute("data-surface") === "full";
  var listen = function (event, onData) {
    var channel = new MessageChannel();
    channel.port1.onmessage = function (message) {
      if (message.data && message.data.data) onData(message.data.data);
    };
    window.parent.postMessage({ payload: { type: "listener", event: event }, id: id }, "*", [channel.port2]);
  };
  // The app's settings in Pipedrive's Settings (`data-in-crm`) take the surface's own size.
  var settings = root.hasAttribute("data-in-crm");
  var initialize = function () {
    var shown = document.getElementById("aurora-widget") || document.body;
    var height = Math.ceil(shown ? shown.getBoundingClientRect().height : 320);
    var size = modal ? { height: Math.max(120, height), width: 800 } : { height: Math.min(750, Math.max(100, height)) };
    var channel = new MessageChannel();
    var args = settings ? {} : { size: size };
    var message = { payload: { command: "initialize", args: args, type: "command" }, id: id };
    window.parent.postMessage(message, "*", [channel.port2]);
    window.__auroraPanelInitializedAt = performance.now();
    channel.port1.onmessage = function () {
      channel.port1.close();
      listen("user_settings_change", function (data) {
        if (data.theme) root.setAttribute("data-theme", data.theme === "dark" ? "dark" : "light");
      });
      listen("visibility", function (data) {
        if (data.is_visible === false) root.setAttribute("data-host-hidden", "");
        else root.removeAttribute("data-host-hidden");
        document.dispatchEvent(new Event("hostvisibilitychange"));
      });
    };
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initialize);
  else initialize();
})();
