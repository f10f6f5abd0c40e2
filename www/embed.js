// Boots the widget inside the CRM's iframe. A file rather than an inline script so the
// embed page's Content-Security-Policy can forbid inline scripts altogether. `cargo xtask
// build` bundles it with wasm-bindgen's glue and minifies both into dist/widget/embed.js:
// one script, one request.
import init, { mount_widget } from "./aurora_crm_widget.js";

await init({ module_or_path: "/widget/aurora_crm_widget_bg.wasm" });
mount_widget(document.getElementById("aurora-widget"));
