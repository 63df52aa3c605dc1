// openapi.test.mjs — GET /api/v1/openapi.json checked by an OpenAPI validator
// that lantern did not write.
//
// tests/web (in C) checks the document row by row against the route table
// and every answer of the in-process tests against it; this checks the whole
// document against the OpenAPI 3.1 specification itself, with
// @apidevtools/swagger-parser: its structure against the official OpenAPI
// 3.1 JSON Schema, every $ref resolved, operation ids unique, path
// parameters declared. It runs against the real `lantern` binary on a fresh
// database, once as served normally and once with --insecure-http (the
// cookie's name differs).
//
// Environment:
//   LANTERN_BIN   the lantern binary (required; meson sets it)
//   CI=true or LANTERN_BROWSER_REQUIRED=1
//                 a missing npm package fails the test instead of skipping it
//
// Run directly (`node openapi.test.mjs`), as public_form.test.mjs is, so a
// missing prerequisite can exit 77 (meson's SKIP). A watchdog bounds it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const DEADLINE_MS = 60_000;
const REQUIRED = process.env.CI === 'true' || process.env.LANTERN_BROWSER_REQUIRED === '1';

function missing(why) {
  if (REQUIRED) {
    console.error(`openapi test: ${why} (CI=true: failing instead of skipping; ` +
                  'run scripts/install-deps --test)');
    process.exit(1);
  }
  console.log(`openapi test: SKIP: ${why} (run scripts/install-deps --test)`);
  process.exit(77);
}

const LANTERN = process.env.LANTERN_BIN;
if (!LANTERN || !existsSync(LANTERN)) {
  console.error(`openapi test: LANTERN_BIN is not set to the lantern binary (got '${LANTERN ?? ''}')`);
  process.exit(1);
}
const require = createRequire(import.meta.url);
let SwaggerParser;
try {
  SwaggerParser = require('@apidevtools/swagger-parser');
} catch (e) {
  missing(`npm packages not installed in tests/browser (${e.code ?? e.message})`);
}

const dir = mkdtempSync(path.join(tmpdir(), 'lantern-openapi-'));
const servers = [];
const watchdog = setTimeout(() => {
  console.error(`openapi test: still running after ${DEADLINE_MS / 1000} s; giving up`);
  for (const s of servers) if (s.exitCode === null) s.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
}, DEADLINE_MS);
watchdog.unref();

const lanternEnv = { ...process.env };
delete lanternEnv.LANTERN_DB;
delete lanternEnv.LANTERN_KEY;

// Start `lantern serve` with `extra` arguments; resolve with its URL (the
// first line it prints) and a function that stops it and resolves with its
// exit code.
function startServer(db, extra) {
  return new Promise((resolve, reject) => {
    const child = spawn(LANTERN, ['serve', '--db', db, '--listen', '127.0.0.1:0', ...extra],
                        { stdio: ['ignore', 'pipe', 'pipe'], env: lanternEnv });
    servers.push(child);
    const exited = new Promise((res) => child.on('exit', (code, signal) => res(code ?? signal)));
    let err = '', out = '', done = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s) => { if (err.length < 100_000) err += s; });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s) => {
      out += s;
      const nl = out.indexOf('\n');
      if (nl >= 0 && !done) {
        done = true;
        resolve({
          url: out.slice(0, nl).trim(),
          stop: () => { child.kill('SIGTERM'); return exited; },
        });
      }
    });
    child.on('exit', (code, signal) => {
      if (!done) reject(new Error(`lantern serve exited early (${code ?? signal}):\n${err}`));
    });
  });
}

async function fetchDocument(url) {
  const r = await fetch(`${url}api/v1/openapi.json`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/json');
  return r.json();
}

const db = path.join(dir, 'openapi.db');
const init = spawnSync(LANTERN, ['init', '--db', db], { encoding: 'utf8', timeout: 30_000, env: lanternEnv });
assert.equal(init.status, 0, `lantern init exited ${init.status}:\n${init.stderr}`);

after(() => {
  for (const s of servers) if (s.exitCode === null) s.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

for (const extra of [[], ['--insecure-http']]) {
  test(`the document of lantern serve ${extra.join(' ')} is valid OpenAPI 3.1`, async () => {
    const server = await startServer(db, extra);
    const doc = await fetchDocument(server.url);
    assert.equal(doc.openapi, '3.1.0');
    // validate() checks against the OpenAPI 3.1 JSON Schema and resolves
    // every $ref; it changes the object it is given, so it gets a copy.
    const api = await SwaggerParser.validate(structuredClone(doc));
    assert.equal(api.info.title, 'lantern');
    const ops = Object.values(doc.paths).flatMap((item) => Object.values(item));
    assert.ok(ops.length >= 10, `only ${ops.length} operations`);
    for (const op of ops) assert.ok(op.summary && Object.keys(op.responses).length > 0);
    const cookie = doc.components.securitySchemes.session.name;
    assert.equal(cookie.startsWith('__Host-'), extra.length === 0);
    assert.equal(await server.stop(), 0);
  });
}
