// Aurora Solar's settings inside HubSpot (Marketplace > Connected apps > Aurora Solar >
// Settings), made of HubSpot's own components: where the Aurora tenant link stands and the
// field to link one, automatic projects for new deals, and the installation's health.
// Every call goes through `hubspot.fetch`, which HubSpot signs and to which it appends who
// is asking; the worker lets only a Super Admin of the account read or change anything.
// The rarer settings (where a deal's site is read from, Aurora's test webhook, uninstall)
// stay on the worker's own page, one link away.
// https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensions/extension-points/create-a-settings-page
import React, { useCallback, useEffect, useState } from "react";
import {
  Alert,
  Button,
  DescriptionList,
  DescriptionListItem,
  Divider,
  ErrorState,
  Flex,
  Heading,
  Input,
  Link,
  LoadingSpinner,
  StatusTag,
  Text,
  Toggle,
  hubspot,
} from "@hubspot/ui-extensions";
import { allSettingsUrl, settingsUrl } from "./config";

/** One line of the installation's health. */
export interface HealthLine {
  label: string;
  value: string;
  fine: boolean;
}

/** The worker's answer (`POST /crm-settings/hubspot`). */
export interface SettingsSummary {
  account: string;
  user: string;
  tenant_ready: boolean;
  tenant: string;
  auto_create: boolean;
  records: string;
  health: HealthLine[];
  notice: string | null;
}

/** What the page asks of the worker. */
export type SettingsCall =
  | { action: "read" }
  | { action: "link_tenant"; code: string }
  | { action: "auto_create"; enabled: boolean };

interface ErrorBody {
  error?: { code?: string; message?: string };
}

async function call(body: SettingsCall): Promise<SettingsSummary> {
  const response = await hubspot.fetch(settingsUrl(), { method: "POST", body, timeout: 15000 });
  const answer: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const message = (answer as ErrorBody | null)?.error?.message;
    throw new Error(message ?? `Aurora Solar did not answer (HTTP ${response.status}). Try again in a minute.`);
  }
  return answer as SettingsSummary;
}

export function Settings() {
  const [summary, setSummary] = useState<SettingsSummary | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);

  const run = useCallback((body: SettingsCall) => {
    setBusy(true);
    call(body)
      .then(
        (fresh) => {
          setSummary(fresh);
          setProblem(null);
          if (body.action === "link_tenant") setCode("");
        },
        (error: Error) => setProblem(error.message),
      )
      .finally(() => setBusy(false));
  }, []);
  useEffect(() => run({ action: "read" }), [run]);

  if (summary === null) {
    if (problem === null) return <LoadingSpinner label="Loading Aurora Solar's settings" />;
    return (
      <ErrorState title="Couldn't load Aurora Solar's settings.">
        <Text>{problem}</Text>
        <Button onClick={() => run({ action: "read" })} disabled={busy}>
          Try again
        </Button>
      </ErrorState>
    );
  }
  return (
    <Flex direction="column" gap="md">
      <Text>
        Settings for {summary.account}, as {summary.user} (Super Admin).
      </Text>
      {summary.notice !== null && (
        <Alert title="Saved" variant="success">
          {summary.notice}
        </Alert>
      )}
      {problem !== null && (
        <Alert title="Not saved" variant="danger">
          {problem}
        </Alert>
      )}
      <Heading>Aurora tenant</Heading>
      <Flex direction="row" gap="sm">
        <StatusTag variant={summary.tenant_ready ? "success" : "warning"}>
          {summary.tenant_ready ? "Linked" : "Not ready"}
        </StatusTag>
        <Text>{summary.tenant}</Text>
      </Flex>
      <Text>
        To link a tenant, a user of it opens Aurora Solar for CRMs in Aurora (Settings, then Apps): Aurora shows a link
        code, which works once, for 10 minutes.
      </Text>
      <Input label="Link code from Aurora" name="code" placeholder="ABCD-EFGH" value={code} onChange={setCode} />
      <Flex direction="row" gap="sm">
        <Button variant="primary" disabled={busy || code.trim() === ""} onClick={() => run({ action: "link_tenant", code })}>
          Link tenant
        </Button>
      </Flex>
      <Divider />
      <Heading>Automatic projects</Heading>
      <Toggle
        label={`Create the Aurora project when a deal is created in HubSpot`}
        checked={summary.auto_create}
        readonly={busy}
        onChange={(enabled: boolean) => run({ action: "auto_create", enabled })}
      />
      <Divider />
      <Heading>Health</Heading>
      <DescriptionList direction="column">
        {summary.health.map((line) => (
          <DescriptionListItem key={line.label} label={line.label}>
            <Text>{line.value}</Text>
          </DescriptionListItem>
        ))}
      </DescriptionList>
      <Link href={allSettingsUrl()}>All settings: where a deal's site is read from, Aurora's test webhook, uninstall</Link>
    </Flex>
  );
}

hubspot.extend<"settings">(() => <Settings />);
