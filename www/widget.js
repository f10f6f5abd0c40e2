// The widget itself, loaded by `embed.js` after the first paint: wasm-bindgen's glue (which
// `cargo xtask build` bundles in here and minifies), the wasm, and its mount.
import init, { mount_widget } from "./aurora_crm_widget.js";

export async function start(host) {
  await init({ module_or_path: "/widget/aurora_crm_widget_bg.wasm" });
  performance.mark("aurora-wasm-ready");
  mount_widget(host);
}
