// Where the Aurora Solar worker answers the settings page: the same origin as the card's
// (`../cards/config.ts`), which `app-hsmeta.json` lists in `permittedUrls.fetch` (the
// repository's tests check that they agree).
export const WORKER_URL = "https://aurora-crm.example.com";

// The local HubSpot of the sandbox names its worker in this global before the page loads;
// HubSpot never sets it.
declare global {
  // eslint-disable-next-line no-var
  var __AURORA_WORKER_URL__: string | undefined;
}

function base(): string {
  return typeof globalThis.__AURORA_WORKER_URL__ === "string" ? globalThis.__AURORA_WORKER_URL__ : WORKER_URL;
}

/** The settings' endpoint on the worker, which `hubspot.fetch` calls. */
export function settingsUrl(): string {
  return `${base()}/crm-settings/hubspot`;
}

/** Every setting, on the worker's own page (signing in through HubSpot first). */
export function allSettingsUrl(): string {
  return `${base()}/install/hubspot/start`;
}
