// Where the Aurora Solar worker answers the card. HubSpot only lets the card fetch the
// origins that `app-hsmeta.json` lists in `permittedUrls.fetch`: set both to your
// deployment's `WORKER_PUBLIC_URL` (the repository's tests check that they agree).
export const WORKER_URL = "https://aurora-crm.example.com";

// The local HubSpot of the sandbox runs this card against a worker on a port chosen at
// run time, and names it in this global before the card loads; HubSpot never sets it.
declare global {
  // eslint-disable-next-line no-var
  var __AURORA_WORKER_URL__: string | undefined;
}

/** The card's endpoint on the worker. */
export function cardUrl(): string {
  const base = typeof globalThis.__AURORA_WORKER_URL__ === "string" ? globalThis.__AURORA_WORKER_URL__ : WORKER_URL;
  return `${base}/embed/hubspot/card`;
}
