// The local HubSpot's stand-in for `@hubspot/ui-extensions`, so that the project's own
// card code runs in the sandbox's deal pages (`cargo xtask build` bundles the card with
// this in the package's place). HubSpot renders the card's components in its own UI;
// here each is a plain element with a `data-testid` the browser tests read. What the card
// depends on is played as HubSpot documents it: `hubspot.fetch` goes through HubSpot's
// proxy (the sandbox's `/sandbox/card-fetch`, which appends the identity and signs it)
// and answers a `Response`; `openIframeModal` opens a fixed-size modal whose close runs
// `onClose`, and which also closes on the legacy `{"action": "DONE"}` message.
import React from "react";
import { createRoot } from "react-dom/client";

const host = window.__HUBSPOT_LOCAL__;

async function fetchThroughHubSpot(url, options = {}) {
  const proxied = await window.fetch(host.fetchProxy, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ url: String(url), method: options.method ?? "GET", body: options.body ?? null }),
  });
  if (!proxied.ok) {
    throw new Error(await proxied.text());
  }
  const answer = await proxied.json();
  return new Response(answer.body, { status: answer.status, headers: { "Content-Type": "application/json" } });
}

function openIframeModal(payload, onClose) {
  const modal = document.getElementById("hs-modal");
  const frame = document.getElementById("hs-modal-frame");
  document.getElementById("hs-modal-title").textContent = payload.title ?? "";
  frame.width = String(payload.width);
  frame.height = String(payload.height);
  frame.src = payload.uri;
  modal.hidden = false;
  const close = () => {
    modal.hidden = true;
    frame.src = "about:blank";
    window.removeEventListener("message", onMessage);
    if (onClose) onClose();
  };
  const onMessage = (event) => {
    if (event.source !== frame.contentWindow) return;
    let data = event.data;
    try {
      data = typeof data === "string" ? JSON.parse(data) : data;
    } catch {
      return;
    }
    if (data && (data.action === "DONE" || data.action === "CANCEL")) close();
  };
  window.addEventListener("message", onMessage);
  document.getElementById("hs-modal-close").onclick = close;
}

export const hubspot = {
  extend(render) {
    const root = createRoot(document.getElementById("hs-card-root"));
    root.render(render({ context: host.context, actions: { openIframeModal } }));
  },
  fetch: fetchThroughHubSpot,
  serverless() {
    return Promise.reject(new Error("serverless functions are not played by the local HubSpot"));
  },
};

export function Text({ children, format }) {
  const style = format && format.fontWeight === "bold" ? { fontWeight: "bold" } : undefined;
  return <p data-testid="hs-text" style={style}>{children}</p>;
}

export function Alert({ title, children, variant }) {
  return (
    <div role="alert" data-testid="hs-alert" data-variant={variant ?? "info"}>
      <strong>{title}</strong> {children}
    </div>
  );
}

export function LoadingSpinner({ label }) {
  return <span data-testid="hs-loading">{label}</span>;
}

export function Statistics({ children }) {
  return <dl data-testid="hs-statistics" style={{ display: "flex", gap: "24px" }}>{children}</dl>;
}

export function StatisticsItem({ label, number }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid="hs-statistic">{number}</dd>
    </div>
  );
}

export function Button({ children, onClick, disabled, variant }) {
  return (
    <button type="button" data-testid="hs-button" data-variant={variant ?? "secondary"} disabled={disabled} onClick={() => onClick && onClick()}>
      {children}
    </button>
  );
}

export function Flex({ children, direction, gap }) {
  const style = { display: "flex", flexDirection: direction ?? "row", gap: gap ? "8px" : undefined };
  return <div style={style}>{children}</div>;
}

export function Link({ children, href }) {
  const url = typeof href === "string" ? href : href && href.url;
  return (
    <a data-testid="hs-link" href={url} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}

// https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensions/ui-components/standard-components/status-tag
const DOT = { default: "#7c98b6", info: "#0091ae", success: "#00a4bd", warning: "#f5c26b", danger: "#f2545b" };

export function StatusTag({ children, variant, hollow }) {
  return (
    <span data-testid="hs-status-tag" data-variant={variant ?? "default"} data-hollow={hollow ? "true" : undefined}>
      <span aria-hidden="true" style={{ color: DOT[variant ?? "default"] }}>● </span>
      {children}
    </span>
  );
}

// https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensions/ui-components/standard-components/empty-state
export function EmptyState({ title, children, layout }) {
  return (
    <section data-testid="hs-empty-state" data-layout={layout ?? "horizontal"}>
      <h3>{title}</h3>
      {children}
    </section>
  );
}

// https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensions/ui-components/standard-components/error-state
export function ErrorState({ title, children, type }) {
  return (
    <section data-testid="hs-error-state" data-type={type ?? "error"}>
      <h3>{title}</h3>
      {children}
    </section>
  );
}

// https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensions/ui-components/standard-components/heading
export function Heading({ children }) {
  return <h2 data-testid="hs-heading">{children}</h2>;
}

export function Divider() {
  return <hr data-testid="hs-divider" />;
}

let fieldIds = 0;

// https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensions/ui-components/standard-components/input
// A labelled text field; `onChange` gets the value.
export function Input({ label, name, value, placeholder, description, onChange, onInput, readOnly }) {
  const [id] = React.useState(() => `hs-input-${(fieldIds += 1)}`);
  return (
    <div data-testid="hs-input">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        type="text"
        value={value ?? ""}
        placeholder={placeholder}
        readOnly={readOnly}
        onChange={(event) => {
          if (onInput) onInput(event.target.value);
          if (onChange) onChange(event.target.value);
        }}
      />
      {description ? <p>{description}</p> : null}
    </div>
  );
}

// https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensions/ui-components/standard-components/toggle
// A switch with its label; `onChange` gets whether it is now on.
export function Toggle({ label, checked, readonly, readOnly, onChange }) {
  const locked = Boolean(readonly ?? readOnly);
  return (
    <label data-testid="hs-toggle">
      <input
        type="checkbox"
        role="switch"
        checked={Boolean(checked)}
        aria-checked={Boolean(checked)}
        disabled={locked}
        onChange={(event) => onChange && onChange(event.target.checked)}
      />{" "}
      {label}
    </label>
  );
}

// https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensions/ui-components/standard-components/description-list
export function DescriptionList({ children, direction }) {
  return <dl data-testid="hs-description-list" data-direction={direction ?? "column"}>{children}</dl>;
}

export function DescriptionListItem({ label, children }) {
  return (
    <div data-testid="hs-description-item">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
