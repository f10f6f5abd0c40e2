// The Aurora Solar card on a deal's record tab, made of HubSpot's own components: a
// status tag for where the deal stands with Aurora, the design's key figures, an empty
// state whose button creates the project right here (one click), and an error state that
// says what failed and offers to try again. The full design opens in HubSpot's iframe
// modal. It talks to the worker only through `hubspot.fetch`, which HubSpot signs and to
// which it appends who is asking; the card sends nothing but the deal on screen (and, for
// its Create button, that it asks to create). The modal's URL carries a 2-minute ticket,
// so the card asks for a fresh one when the rep opens it.
// Components: https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensions/ui-components/standard-components/status-tag
// (StatusTag), .../empty-state (EmptyState), .../error-state (ErrorState).
import React, { useCallback, useEffect, useState } from "react";
import {
  Alert,
  Button,
  EmptyState,
  ErrorState,
  Flex,
  Link,
  LoadingSpinner,
  Statistics,
  StatisticsItem,
  StatusTag,
  Text,
  hubspot,
} from "@hubspot/ui-extensions";
import { cardUrl } from "./config";

/** The figures the worker writes to the deal too (null: the design lacks one). */
export interface Figures {
  aurora_system_size_kw: number | null;
  aurora_annual_production_kwh: number | null;
  aurora_offset_percent: number | null;
  aurora_project_url: string;
  /** The design's price, storage included (null: the Aurora plan provides no pricing). */
  aurora_system_price?: number | null;
}

/** Where the sale stands, in the rep's words (the worker's `CardSale`). */
export interface CardSale {
  /** The agreement's status: "Signed", "Sent for signature", ... */
  agreement: string | null;
  /** The chosen financing's lender: "Approved", "With the lender", ... */
  financing: string | null;
  /** What changed since the design was sold, one line each. */
  changed_since_sold: string[];
}

/** `openIframeModal`'s payload, as the worker builds it. */
export interface ModalPayload {
  uri: string;
  width: number;
  height: number;
  title: string;
}

/** The worker's answer to the card (`POST /embed/hubspot/card`). */
export interface CardAnswer {
  deal: { id: string; name: string };
  status: string;
  figures: Figures | null;
  /** The design changed in Aurora after its simulation: the figures may be out of date. */
  outdated: boolean;
  sale?: CardSale;
  widget: ModalPayload;
}

interface ErrorBody {
  error?: { code?: string; message?: string };
}

type Variant = "default" | "info" | "danger" | "warning" | "success";

/** Each state of the deal with Aurora: its tag, and what it means for the rep. */
export const STATUS: Record<string, { tag: string; variant: Variant; text: string }> = {
  not_linked: {
    tag: "Not set up",
    variant: "default",
    text: "This HubSpot account is not linked to an Aurora Solar account yet. A Super Admin links it in the app's settings.",
  },
  app_disabled: {
    tag: "App turned off",
    variant: "warning",
    text: "Your company's Aurora Solar account has turned this app off. Ask your Aurora admin to turn it back on (Settings, then Apps).",
  },
  no_project: { tag: "No project", variant: "default", text: "No Aurora project for this deal yet." },
  creating: { tag: "Creating", variant: "info", text: "Creating the project in Aurora Solar…" },
  awaiting_design: {
    tag: "Awaiting design",
    variant: "info",
    text: "The project is in Aurora. Its design shows here when your designer finishes it.",
  },
  design_ready: { tag: "Design ready", variant: "success", text: "Design ready" },
  simulation_failed: {
    tag: "Simulation failed",
    variant: "danger",
    text: "Aurora could not simulate this design's production. Open it in Aurora and run the simulation again.",
  },
  create_failed: {
    tag: "Not created",
    variant: "danger",
    text: "Creating the Aurora project failed. Try again: it never creates a second one.",
  },
};

/** A figure in the rep's HubSpot locale, with its unit; a dash when Aurora gave none. */
export function shown(value: number | null, unit: string, digits: number, locale: string): string {
  if (value === null) return "–";
  let number: string;
  try {
    number = value.toLocaleString(locale, { maximumFractionDigits: digits });
  } catch {
    number = value.toLocaleString("en-US", { maximumFractionDigits: digits });
  }
  return unit === "%" ? `${number}%` : `${number} ${unit}`;
}

/** A price in the rep's HubSpot locale, whole (US dollars: Aurora names no currency). */
export function money(value: number, locale: string): string {
  const options = { style: "currency", currency: "USD", maximumFractionDigits: 0 } as const;
  try {
    return value.toLocaleString(locale, options);
  } catch {
    return value.toLocaleString("en-US", options);
  }
}

async function ask(dealId: string, create: boolean): Promise<CardAnswer> {
  const body = create ? { dealId, create: true } : { dealId };
  const response = await hubspot.fetch(cardUrl(), { method: "POST", body, timeout: 15000 });
  const answer: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const message = (answer as ErrorBody | null)?.error?.message;
    throw new Error(message ?? `Aurora Solar did not answer (HTTP ${response.status}). Try again in a minute.`);
  }
  return answer as CardAnswer;
}

interface DealCardProps {
  dealId: string;
  locale: string;
  openIframeModal: (payload: ModalPayload, onClose?: () => void) => void;
}

export function DealCard({ dealId, locale, openIframeModal }: DealCardProps) {
  const [answer, setAnswer] = useState<CardAnswer | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const refresh = useCallback(
    (create = false) => {
      setBusy(true);
      ask(dealId, create)
        .then(
          (fresh) => {
            setAnswer(fresh);
            setProblem(null);
          },
          (error: Error) => setProblem(error.message),
        )
        .finally(() => setBusy(false));
    },
    [dealId],
  );
  useEffect(() => refresh(), [refresh]);

  // While Aurora works on the deal, the card looks again now and then.
  const pending = answer !== null && (answer.status === "creating" || answer.status === "awaiting_design");
  useEffect(() => {
    if (!pending) return undefined;
    const timer = setInterval(() => refresh(), 10000);
    return () => clearInterval(timer);
  }, [pending, refresh]);

  const open = () => {
    setBusy(true);
    ask(dealId, false)
      .then(
        (fresh) => {
          setAnswer(fresh);
          // When the rep closes the modal, the card shows what they did there.
          openIframeModal(fresh.widget, () => refresh());
        },
        (error: Error) => setProblem(error.message),
      )
      .finally(() => setBusy(false));
  };

  if (problem !== null) {
    return (
      <ErrorState title="Couldn't load Aurora Solar for this deal.">
        <Text>{problem}</Text>
        <Button onClick={() => refresh()} disabled={busy}>
          Try again
        </Button>
      </ErrorState>
    );
  }
  if (answer === null) {
    return <LoadingSpinner label="Loading Aurora Solar" />;
  }
  const status = STATUS[answer.status] ?? { tag: answer.status, variant: "default" as Variant, text: "" };
  if (answer.status === "no_project") {
    return (
      <EmptyState title="No Aurora project yet" layout="vertical" reverseOrder={true}>
        <Text>Create the project in Aurora Solar at this deal's site. Its design shows here when your designer finishes it.</Text>
        <Button variant="primary" onClick={() => refresh(true)} disabled={busy}>
          {busy ? "Creating Aurora Project…" : "Create Aurora Project"}
        </Button>
      </EmptyState>
    );
  }
  if (answer.status === "not_linked" || answer.status === "app_disabled") {
    return (
      <EmptyState title={answer.status === "not_linked" ? "Aurora Solar is not set up yet" : "Aurora Solar app is turned off"} layout="vertical" reverseOrder={true}>
        <Text>{status.text}</Text>
      </EmptyState>
    );
  }
  const figures = answer.figures;
  const sale = answer.sale;
  return (
    <Flex direction="column" gap="sm">
      {sale !== undefined && sale.changed_since_sold.length > 0 && (
        <Alert title="Changed since it was sold" variant="warning">
          {sale.changed_since_sold.join(" · ")}
        </Alert>
      )}
      <Flex direction="row" gap="sm">
        <StatusTag variant={answer.outdated ? "warning" : status.variant}>{status.tag}</StatusTag>
        {answer.outdated && <Text>The design changed after its simulation: the figures may be out of date.</Text>}
      </Flex>
      {answer.status !== "design_ready" && <Text>{status.text}</Text>}
      {figures !== null && (
        <Statistics>
          <StatisticsItem label="System size" number={shown(figures.aurora_system_size_kw, "kW", 2, locale)} />
          <StatisticsItem label="Annual production" number={shown(figures.aurora_annual_production_kwh, "kWh", 0, locale)} />
          <StatisticsItem label="Offset" number={shown(figures.aurora_offset_percent, "%", 0, locale)} />
          {typeof figures.aurora_system_price === "number" && (
            <StatisticsItem label="Price" number={money(figures.aurora_system_price, locale)} />
          )}
        </Statistics>
      )}
      {sale !== undefined && (sale.agreement !== null || sale.financing !== null) && (
        <Flex direction="row" gap="sm">
          {sale.agreement !== null && (
            <StatusTag variant={sale.agreement === "Signed" ? "success" : "info"}>Agreement: {sale.agreement}</StatusTag>
          )}
          {sale.financing !== null && <StatusTag variant="info">Financing: {sale.financing}</StatusTag>}
        </Flex>
      )}
      <Flex direction="row" gap="sm">
        {answer.status === "create_failed" && (
          <Button variant="primary" onClick={() => refresh(true)} disabled={busy}>
            Try again
          </Button>
        )}
        <Button variant={answer.status === "create_failed" ? "secondary" : "primary"} onClick={open} disabled={busy}>
          {answer.status === "design_ready" ? "View design" : "Open Aurora Solar"}
        </Button>
        {figures !== null && <Link href={figures.aurora_project_url}>Open in Aurora</Link>}
      </Flex>
    </Flex>
  );
}

hubspot.extend<"crm.record.tab">(({ context, actions }) => (
  <DealCard
    dealId={String(context.crm.objectId)}
    locale={String(context.user?.locale ?? "en-US")}
    openIframeModal={actions.openIframeModal}
  />
));
