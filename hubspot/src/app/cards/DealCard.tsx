// The Aurora Solar card on a deal's record tab. It shows where the deal stands with
// Aurora and the key figures of a ready design, with HubSpot's own components, and opens
// the full widget in an iframe modal. It talks to the worker only through
// `hubspot.fetch`, which HubSpot signs and to which it appends who is asking; the card
// sends nothing but the deal on screen. The modal's URL carries a 2-minute ticket in its
// fragment, so the card asks for a fresh one when the rep opens it.
import React, { useCallback, useEffect, useState } from "react";
import {
  Alert,
  Button,
  Flex,
  Link,
  LoadingSpinner,
  Statistics,
  StatisticsItem,
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
  widget: ModalPayload;
}

interface ErrorBody {
  error?: { code?: string; message?: string };
}

/** What each of the widget's states means for the rep, in one line. */
export const STATUS_TEXT: Record<string, string> = {
  not_linked: "This HubSpot account is not linked to an Aurora tenant yet: a Super Admin links it in the app's settings.",
  app_disabled: "The Aurora Solar app is disabled in your Aurora tenant: ask your Aurora admin to enable it.",
  no_project: "No Aurora project for this deal yet.",
  creating: "Creating the Aurora project…",
  awaiting_design: "The Aurora project is waiting for its design.",
  design_ready: "Design ready",
  simulation_failed: "The design's performance simulation failed in Aurora.",
  create_failed: "Creating the Aurora project failed: open Aurora Solar to see why and try again.",
};

function shown(value: number | null, unit: string, digits: number): string {
  return value === null ? "–" : `${value.toLocaleString("en-US", { maximumFractionDigits: digits })} ${unit}`;
}

async function ask(dealId: string): Promise<CardAnswer> {
  const response = await hubspot.fetch(cardUrl(), { method: "POST", body: { dealId }, timeout: 15000 });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const message = (body as ErrorBody | null)?.error?.message;
    throw new Error(message ?? `Aurora Solar did not answer (${response.status}). Try again in a minute.`);
  }
  return body as CardAnswer;
}

interface DealCardProps {
  dealId: string;
  openIframeModal: (payload: ModalPayload, onClose?: () => void) => void;
}

export function DealCard({ dealId, openIframeModal }: DealCardProps) {
  const [answer, setAnswer] = useState<CardAnswer | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [opening, setOpening] = useState(false);

  const load = useCallback(() => {
    ask(dealId).then(
      (fresh) => {
        setAnswer(fresh);
        setProblem(null);
      },
      (error: Error) => setProblem(error.message),
    );
  }, [dealId]);
  useEffect(load, [load]);

  const open = () => {
    setOpening(true);
    ask(dealId)
      .then(
        (fresh) => {
          setAnswer(fresh);
          // When the rep closes the modal, the card shows what they did there.
          openIframeModal(fresh.widget, load);
        },
        (error: Error) => setProblem(error.message),
      )
      .finally(() => setOpening(false));
  };

  if (problem !== null) {
    return (
      <Alert title="Aurora Solar" variant="danger">
        {problem}
      </Alert>
    );
  }
  if (answer === null) {
    return <LoadingSpinner label="Loading Aurora Solar" />;
  }
  const figures = answer.figures;
  return (
    <Flex direction="column" gap="sm">
      <Text format={{ fontWeight: "bold" }}>{STATUS_TEXT[answer.status] ?? answer.status}</Text>
      {figures !== null && (
        <Statistics>
          <StatisticsItem label="System size" number={shown(figures.aurora_system_size_kw, "kW", 2)} />
          <StatisticsItem label="Annual production" number={shown(figures.aurora_annual_production_kwh, "kWh", 0)} />
          <StatisticsItem label="Offset" number={shown(figures.aurora_offset_percent, "%", 1)} />
        </Statistics>
      )}
      <Flex direction="row" gap="sm">
        <Button variant="primary" onClick={open} disabled={opening}>
          {answer.status === "no_project" ? "Create Aurora Project" : "Open Aurora Solar"}
        </Button>
        {figures !== null && <Link href={figures.aurora_project_url}>Open in Aurora</Link>}
      </Flex>
    </Flex>
  );
}

hubspot.extend<"crm.record.tab">(({ context, actions }) => (
  <DealCard dealId={String(context.crm.objectId)} openIframeModal={actions.openIframeModal} />
));
