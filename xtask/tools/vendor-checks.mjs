// The vendors' own project tooling over our projects, offline (`cargo xtask test`, suite
// `vendor`): HubSpot's parser of a developer-platform project (what its CLI uploads), and
// the `sf` CLI's engine, which resolves Salesforce DX source into metadata types and
// converts it to a deployable package. Neither checks everything (enumerated values, what
// may be packaged): worker/tests/salesforce_package.rs keeps the documented lists.
//
// Usage: node vendor-checks.mjs <repository root>

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isKnownPlatformVersion } from '@hubspot/project-parsing-lib/projects';
import { translate } from '@hubspot/project-parsing-lib/translate';
import sdr from '@salesforce/source-deploy-retrieve';

const root = process.argv[2];
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

// HubSpot: the project parses as HubSpot's CLI parses it. Its JSON-schema step fetches the
// schemas from HubSpot, so validation is skipped (no HubSpot account is reachable here).
const project = JSON.parse(fs.readFileSync(path.join(root, 'hubspot/hsproject.json'), 'utf8'));
check(isKnownPlatformVersion(project.platformVersion), `HubSpot knows platform version ${project.platformVersion}`);
try {
  const { intermediateRepresentation, skippedHsMetaFiles } = await translate(
    { projectSourceDir: path.join(root, 'hubspot', project.srcDir), platformVersion: project.platformVersion, accountId: 1 },
    { skipValidation: true },
  );
  const nodes = Object.values(intermediateRepresentation.intermediateNodesIndexedByUid);
  const types = nodes.map((node) => node.componentType).sort();
  check(JSON.stringify(types) === JSON.stringify(['APPLICATION', 'CARD', 'SETTINGS', 'WEBHOOKS']), `HubSpot project components: ${types.join(', ')}`);
  const app = nodes.find((node) => node.componentType === 'APPLICATION');
  const dependents = nodes.filter((node) => node.componentType !== 'APPLICATION');
  check(dependents.every((node) => node.componentDeps?.app === app?.uid), 'the card, the settings page and the webhooks belong to the app');
  check(skippedHsMetaFiles.length === 0, `no -hsmeta.json file skipped (${skippedHsMetaFiles.join(', ')})`);
} catch (error) {
  check(false, `HubSpot's parser takes the project: ${error.message}`);
}

// Salesforce: the packaged directory resolves to the types we ship, and nothing that may
// not be packaged; the global OAuth settings resolve from the unpackaged directory; the
// package converts to the metadata format `sf project deploy` sends.
const { ComponentSet, MetadataConverter } = sdr;
const packaged = ComponentSet.fromSource(path.join(root, 'salesforce/force-app'));
const shipped = packaged.getSourceComponents().toArray().map((c) => c.type.name);
const expected = ['AuraDefinitionBundle', 'CustomField', 'ExternalClientApplication', 'ExtlClntAppCanvasSettings', 'ExtlClntAppOauthSettings', 'PermissionSet'];
check(JSON.stringify([...new Set(shipped)].sort()) === JSON.stringify(expected), `Salesforce package types: ${[...new Set(shipped)].sort().join(', ')}`);
check(!shipped.includes('ExtlClntAppGlobalOauthSettings'), 'no global OAuth settings in the package');
const unpackaged = ComponentSet.fromSource(path.join(root, 'salesforce/unpackaged')).getSourceComponents().toArray();
check(unpackaged.length === 1 && unpackaged[0].type.name === 'ExtlClntAppGlobalOauthSettings', `unpackaged: ${unpackaged.map((c) => c.type.name).join(', ')}`);
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-metadata-'));
try {
  const converted = await new MetadataConverter().convert(packaged, 'metadata', { type: 'directory', outputDirectory: out, packageName: 'AuroraSolarForCRMs' });
  const manifest = fs.readFileSync(path.join(converted.packagePath, 'package.xml'), 'utf8');
  check(manifest.includes('<name>ExternalClientApplication</name>'), 'the package converts to metadata format with its External Client App');
} catch (error) {
  check(false, `the package converts to metadata format: ${error.message}`);
} finally {
  fs.rmSync(out, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`${failures.length} vendor check(s) failed`);
  process.exit(1);
}
console.log('vendor checks passed');
