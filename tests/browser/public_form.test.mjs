// public_form.test.mjs — the public page as a person meets it, in headless
// Chromium.
//
// What this checks, against the real `lantern` binary on a fresh demo
// database:
//   - GET / shows the numbers to call (999, 101, 08000 121 700) and a visible
//     "Leave this site quickly" link, the first thing the keyboard reaches,
//     then a "Report a concern" link that takes a phone user to the form;
//   - axe-core finds no accessibility violations on /, on the form sent back
//     with errors, and on the confirmation page;
//   - a report with nothing ticked, and one "Abroad" without a country, come
//     back as a 4xx with each error beside its field (inside the field's
//     block, in its aria-describedby, linked from the error summary) in plain
//     words, and what was typed kept;
//   - a report filled in by label (forms of exploitation, where it happened,
//     a description, anonymous) is accepted, the confirmation page shows a
//     reference code LT-XXXXXXXX, and the API reads back what was chosen;
//   - the same works with JavaScript switched off (the page needs none),
//     including a person who first chose "In Hertfordshire" and a district
//     and then changed to "Abroad" and a country: the district is ignored;
//   - no console errors (a Content-Security-Policy violation is one) and no
//     request leaves the server's origin;
//   - a member of staff signs in at /login (axe on the sign-in page, on the
//     page with a wrong password, and on the signed-in page /staff), gets an
//     HttpOnly, SameSite=Strict session cookie, sees who they are, signs out
//     with the button, and /staff then sends them back to /login;
//   - the server stops on SIGTERM and exits 0 (under ASan: leak-free).
//
// The server runs with --insecure-http (plain HTTP on loopback: session
// cookies without Secure, so the browser keeps them). The reports are read
// back through the API with a police API token made by `lantern token add`.
//
// Environment:
//   LANTERN_BIN             the lantern binary (required; meson sets it)
//   LANTERN_CHROMIUM        the browser, default /usr/bin/chromium
//   LANTERN_SCREENSHOT_DIR  where to write screenshots (meson: the build dir);
//                           none are taken when unset
//   CI=true or LANTERN_BROWSER_REQUIRED=1
//                           a missing prerequisite (npm packages, Chromium)
//                           fails the test instead of skipping it
//
// Run directly (`node public_form.test.mjs`), not under `node --test`, so a
// missing prerequisite can exit 77, which meson reports as SKIP. Everything
// is bounded: a watchdog kills the server and the browser and fails the run
// after DEADLINE_MS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const DEADLINE_MS = 120_000;
const STAFF_EMAIL = 'ann@police.example';
const STAFF_PASSWORD = 'correct horse battery staple';
const REF_RE = /^LT-[0-9A-HJKMNP-TV-Z]{8}$/;
const CHROMIUM = process.env.LANTERN_CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.LANTERN_SCREENSHOT_DIR || '';
const REQUIRED = process.env.CI === 'true' || process.env.LANTERN_BROWSER_REQUIRED === '1';
const LAUNCH_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// ---- prerequisites: skip (77) on a developer's machine, fail in CI --------

function missing(why) {
  if (REQUIRED) {
    console.error(`browser test: ${why} (CI=true: failing instead of skipping; ` +
                  'run scripts/install-deps --test)');
    process.exit(1);
  }
  console.log(`browser test: SKIP: ${why} (run scripts/install-deps --test)`);
  process.exit(77);
}

const LANTERN = process.env.LANTERN_BIN;
if (!LANTERN || !existsSync(LANTERN)) {
  console.error(`browser test: LANTERN_BIN is not set to the lantern binary (got '${LANTERN ?? ''}')`);
  process.exit(1);
}
if (!existsSync(CHROMIUM)) missing(`${CHROMIUM} not found (Debian package chromium)`);

const require = createRequire(import.meta.url);
let chromium, axeSource;
try {
  ({ chromium } = require('playwright-core'));
  axeSource = require('axe-core').source;
} catch (e) {
  missing(`npm packages not installed in tests/browser (${e.code ?? e.message})`);
}

// ---- state shared by the tests, and the watchdog that bounds them ---------

const state = {
  dir: '',          // temp dir holding the database
  server: null,     // the lantern serve child process
  serverExit: null, // Promise of {code, signal}
  serverErr: '',    // the server's stderr (capped), shown on failure
  base: '',         // "http://127.0.0.1:PORT/"
  browser: null,
  consoleErrors: [], // "page: message" for every console error or page error
  offsite: [],       // requests that tried to leave the server's origin
  token: '',         // a police API token, for reading reports back
};

const watchdog = setTimeout(() => {
  console.error(`browser test: still running after ${DEADLINE_MS / 1000} s; giving up`);
  if (state.server && state.server.exitCode === null) state.server.kill('SIGKILL');
  // playwright-core kills the browsers it launched when this process exits.
  if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  process.exit(1);
}, DEADLINE_MS);
watchdog.unref();

// ---- helpers --------------------------------------------------------------

// The environment of lantern: the caller's, without the variables that
// would point it at another database or key (the key is made by init beside
// the temp database).
const lanternEnv = { ...process.env };
delete lanternEnv.LANTERN_DB;
delete lanternEnv.LANTERN_KEY;

function run(args, input = '') {
  const r = spawnSync(LANTERN, args, { encoding: 'utf8', timeout: 60_000, env: lanternEnv, input });
  assert.equal(r.status, 0, `lantern ${args.join(' ')} exited ${r.status} (${r.signal ?? ''}):\n${r.stderr}`);
  return r.stdout;
}

// Start `lantern serve` on an ephemeral port; resolve with the URL it prints
// as the first line of its stdout.
function startServer(db) {
  return new Promise((resolve, reject) => {
    const child = spawn(LANTERN, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--insecure-http'],
                        { stdio: ['ignore', 'pipe', 'pipe'], env: lanternEnv });
    state.server = child;
    state.serverExit = new Promise((res) => child.on('exit', (code, signal) => res({ code, signal })));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s) => {
      if (state.serverErr.length < 200_000) state.serverErr += s;
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no URL from lantern serve after 30 s:\n${state.serverErr}`)), 30_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s) => {
      out += s;
      const nl = out.indexOf('\n');
      if (nl >= 0 && !state.base) {
        clearTimeout(timer);
        const url = out.slice(0, nl).trim();
        if (!/^http:\/\/127\.0\.0\.1:[1-9][0-9]*\/$/.test(url))
          reject(new Error(`first line of lantern serve is not its URL: '${url}'`));
        else resolve(url);
      }
    });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`lantern serve exited early (${code ?? signal}):\n${state.serverErr}`));
    });
  });
}

// A fresh context (no cookies, no cache) that may talk to the server only,
// and a page whose console errors are collected under `label`. Chromium logs
// every 4xx page load as a console error; with `expect4xx` that message is
// not counted (the test checks the status itself).
async function newPage(label, options = {}, expect4xx = false) {
  const context = await state.browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  await context.route(() => true, (route) => {
    const url = route.request().url();
    if (url.startsWith(state.base)) return route.continue();
    state.offsite.push(`${label}: ${url}`);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (expect4xx && /^Failed to load resource: the server responded with a status of 4\d\d /.test(m.text())) return;
    state.consoleErrors.push(`${label}: ${m.text()}`);
  });
  page.on('pageerror', (e) => state.consoleErrors.push(`${label}: uncaught ${e.message}`));
  return { context, page };
}

// Run axe-core on the page as it is and fail with every violation spelled
// out: rule, impact, help, and each offending element with axe's summary of
// how to fix it. axe is evaluated through the DevTools protocol, which the
// page's CSP does not govern; the page itself still runs under its CSP.
async function checkAxe(page, what) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations', 'incomplete'] }));
  const lines = [];
  for (const v of r.violations) {
    lines.push(`  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})`);
    for (const n of v.nodes) {
      lines.push(`      at ${n.target.join(' ')}`);
      lines.push(`         ${n.html.slice(0, 300)}`);
      for (const s of (n.failureSummary ?? '').split('\n')) lines.push(`         ${s}`);
    }
  }
  if (r.incomplete.length)
    console.log(`axe on ${what}: needs review (not failures): ` +
                r.incomplete.map((v) => `${v.id} (${v.nodes.length})`).join(', '));
  assert.equal(r.violations.length, 0,
               `axe-core found ${r.violations.length} violation(s) on ${what}:\n${lines.join('\n')}`);
}

// What the store holds for a reference code, read back through the API
// (coded fields only) as a partner system with a police token.
async function storedReport(ref) {
  const r = await fetch(`${state.base}api/v1/reports/${ref}`, {
    headers: { Authorization: `Bearer ${state.token}` },
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(r.status, 200, `GET /api/v1/reports/${ref} answered ${r.status}`);
  return r.json();
}

async function screenshot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, name);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
}

// Click the form's submit button and wait for the page that answers it.
async function submit(page) {
  const answer = page.waitForResponse((r) => r.request().method() === 'POST' &&
                                             new URL(r.url()).pathname === '/report');
  await page.getByRole('button', { name: /send|submit/i }).click();
  const resp = await answer;
  await page.waitForLoadState('load');
  return resp;
}

// The form as a person fills it in, by the labels they read.
const form = {
  forms: (page, label) => page.getByRole('checkbox', { name: label, exact: true }),
  formsGroup: (page) => page.getByRole('group', { name: /what kind of exploitation/i }),
  place: (page, label) => page.getByRole('radio', { name: label, exact: true }),
  placeGroup: (page) => page.getByRole('group', { name: /where did it happen/i }),
  district: (page) => page.getByRole('combobox', { name: /^district/i }),
  country: (page) => page.getByRole('combobox', { name: /^country/i }),
  occurred: (page) => page.getByRole('textbox', { name: /when did it happen/i }),
  description: (page) => page.getByRole('textbox', { name: /what did you see or hear/i }),
  anonymous: (page) => page.getByRole('radio', { name: /stay anonymous/i }),
  named: (page) => page.getByRole('radio', { name: /you can contact me/i }),
  contact: (page) => page.getByRole('textbox', { name: /how can we reach you/i }),
};

// The text of the elements that `el` (a field or a group) names in
// aria-describedby: what a screen reader reads after its label.
function description(el) {
  return el.evaluate((e) => (e.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent ?? '').join(' | '));
}

// Check that the page reports an error for the field or group `el`: a
// message inside the field's own block (the error is beside the field, not
// only in a summary at the top), read out with the field (aria-describedby),
// and a link to the field in the error summary. `re` matches the message.
async function checkFieldError(page, el, re, what) {
  await el.waitFor();
  const block = el.locator('xpath=ancestor-or-self::*[contains(concat(" ", @class, " "), " field ")][1]');
  const blockText = await block.innerText();
  assert.match(blockText, re, `no error beside ${what}; its block reads:\n${blockText}`);
  const described = await description(el);
  assert.match(described, re, `the error beside ${what} is not in its aria-describedby (got '${described}')`);
  const summary = page.getByRole('alert');
  const link = summary.getByRole('link', { name: re });
  assert.equal(await link.count(), 1, `the error summary has no link for ${what}:\n${await summary.innerText()}`);
  const target = (await link.getAttribute('href')) ?? '';
  assert.ok(target.startsWith('#') && (await block.locator(target).count()) === 1,
            `the error summary link for ${what} (${target}) does not lead to it`);
}

// ---- the tests ------------------------------------------------------------

before(async () => {
  state.dir = mkdtempSync(path.join(tmpdir(), 'lantern-browser-'));
  const db = path.join(state.dir, 'x.db');
  run(['init', '--demo', '--db', db]);
  run(['user', 'add', STAFF_EMAIL, '--agency', 'herts_police', '--role', 'police', '--db', db],
      `${STAFF_PASSWORD}\n`);
  state.token = run(['token', 'add', '--agency', 'herts_police', '--role', 'police', '--db', db]).trim();
  assert.match(state.token, /^lt_[A-Za-z0-9_-]{43}$/);
  state.base = await startServer(db);
  state.browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS, timeout: 30_000 });
});

after(async () => {
  if (state.browser) await state.browser.close().catch(() => {});
  if (state.server && state.server.exitCode === null && state.server.signalCode === null) {
    state.server.kill('SIGKILL');
    await state.serverExit;
  }
  if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  clearTimeout(watchdog);
});

test('the public page shows the numbers, the leave link and passes axe', async () => {
  const { context, page } = await newPage('/');
  const resp = await page.goto(state.base);
  assert.equal(resp.status(), 200);
  const csp = resp.headers()['content-security-policy'] ?? '';
  assert.ok(csp, 'GET / has no Content-Security-Policy header');
  const directive = (name) => csp.split(';').map((d) => d.trim()).find((d) => d.startsWith(`${name} `));
  const scriptSrc = directive('script-src') ?? directive('default-src') ?? '';
  assert.ok(scriptSrc && !/'unsafe-inline'|'unsafe-eval'/.test(scriptSrc),
            `the CSP does not forbid inline script: ${csp}`);

  const body = await page.locator('body').innerText();
  for (const number of ['999', '101', '08000 121 700'])
    assert.ok(body.includes(number), `the public page does not show ${number}`);

  const leave = page.getByRole('link', { name: 'Leave this site quickly' });
  await leave.waitFor({ state: 'visible' });
  const box = await leave.boundingBox();
  assert.ok(box && box.y < 900 && box.width > 0 && box.height > 0,
            `"Leave this site quickly" is not in the first screen: ${JSON.stringify(box)}`);
  const href = await leave.getAttribute('href');
  assert.ok(href && !href.startsWith('/') && !href.startsWith(state.base),
            `"Leave this site quickly" does not leave the site: ${href}`);
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => document.activeElement?.textContent?.trim());
  assert.equal(first, 'Leave this site quickly', 'the first Tab does not reach the leave link');
  await page.keyboard.press('Tab');
  const second = await page.evaluate(() => document.activeElement?.textContent?.trim());
  assert.equal(second, 'Report a concern', 'the second Tab does not reach the link to the form');

  // The countries are listed by name, with the ISO code as the value.
  const countries = await form.country(page).locator('option').evaluateAll(
    (os) => os.map((o) => ({ value: o.value, label: o.textContent })));
  assert.deepEqual(countries[0], { value: '', label: 'Choose a country' });
  const names = countries.slice(1).map((c) => c.label);
  const key = (n) => n.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  for (let i = 1; i < names.length; i++)
    assert.ok(key(names[i - 1]) <= key(names[i]), `the country list is not by name: ${names[i - 1]} before ${names[i]}`);
  assert.ok(countries.some((c) => c.value === 'RO' && c.label === 'Romania'));

  await checkAxe(page, 'GET /');
  await page.evaluate(() => document.activeElement?.blur());
  await screenshot(page, 'browser-index.png');

  // On a phone the form is screens away: "Report a concern" takes you there.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'browser-index-narrow.png');
  const skip = page.getByRole('link', { name: 'Report a concern' });
  const skipBox = await skip.boundingBox();
  assert.ok(skipBox && skipBox.y < 844, `"Report a concern" is not in a phone's first screen: ${JSON.stringify(skipBox)}`);
  await skip.click();
  assert.equal(new URL(page.url()).hash, '#report');
  const heading = await page.getByRole('heading', { name: 'Report a concern' }).boundingBox();
  assert.ok(heading && heading.y > -1 && heading.y < 844 / 2,
            `after "Report a concern" the form's heading is not at the top: ${JSON.stringify(heading)}`);
  await context.close();
});

test('a report with nothing ticked comes back with errors beside the fields, text kept', async () => {
  const { context, page } = await newPage('POST /report (nothing ticked)', {}, true);
  await page.goto(state.base);
  const text = 'Men sleeping in a van behind the car wash on Queens Road; one said his passport was taken.';
  await form.description(page).fill(text);
  await form.occurred(page).fill('2019-05');
  // Nothing ticked: no form of exploitation, no place.
  const resp = await submit(page);
  assert.ok(resp.status() >= 400 && resp.status() < 500,
            `an invalid report was answered with ${resp.status()}, not a 4xx`);
  assert.match(await page.title(), /^Error: /, 'the title of the page with errors does not start with "Error: "');

  await checkFieldError(page, form.formsGroup(page), /Choose what kind of exploitation/, 'the forms of exploitation');
  await checkFieldError(page, form.placeGroup(page), /Choose where it happened/, 'where it happened');
  assert.equal(await form.description(page).inputValue(), text, 'the description was not kept');
  assert.equal(await form.occurred(page).inputValue(), '2019-05', 'the date was not kept');
  assert.ok(await form.anonymous(page).isChecked(), 'the anonymous choice was not kept');

  await checkAxe(page, 'the form sent back with errors');
  await screenshot(page, 'browser-errors.png');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'browser-errors-narrow.png');
  await context.close();
});

test('abroad without a country comes back with the error beside the country, choices kept', async () => {
  const { context, page } = await newPage('POST /report (no country)', {}, true);
  await page.goto(state.base);
  await form.forms(page, 'Forced criminality').check();
  await form.place(page, 'Abroad').check();
  await form.description(page).fill('Boys from my village were taken to work on farms & told they owed <money>.');
  const resp = await submit(page);
  assert.ok(resp.status() >= 400 && resp.status() < 500,
            `an invalid report was answered with ${resp.status()}, not a 4xx`);

  await checkFieldError(page, form.country(page), /Choose the country where it happened/, 'the country list');
  assert.ok(await form.forms(page, 'Forced criminality').isChecked(), 'the ticked form was not kept');
  assert.ok(await form.place(page, 'Abroad').isChecked(), 'the place was not kept');
  assert.equal(await form.description(page).inputValue(),
               'Boys from my village were taken to work on farms & told they owed <money>.',
               'the description was not kept exactly (escaping?)');
  await checkAxe(page, 'the form sent back with a country error');
  await context.close();
});

let reference = '';

test('a report filled in by label gives a reference code; the confirmation page passes axe', async () => {
  const { context, page } = await newPage('POST /report');
  await page.goto(state.base);
  await form.forms(page, 'Labour exploitation').check();
  await form.forms(page, 'Domestic servitude').check();
  await form.place(page, 'In Hertfordshire').check();
  await form.district(page).selectOption({ label: 'Watford' });
  await form.description(page).fill('A woman who cleans at the house next door is never let out alone and looks frightened.');
  assert.ok(await form.anonymous(page).isChecked(), 'the form does not start anonymous');
  await form.anonymous(page).check();

  const resp = await submit(page);
  assert.ok(resp.status() < 400, `the report was answered with ${resp.status()}`);
  const code = page.getByText(/^\s*LT-[0-9A-Z]{8}\s*$/);
  await code.first().waitFor();
  assert.equal(await code.count(), 1, 'the reference code is not shown once, on its own');
  reference = (await code.innerText()).trim();
  assert.match(reference, REF_RE);
  console.log(`reference code: ${reference}`);
  assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /thank you|received/i);

  const stored = await storedReport(reference);
  assert.deepEqual([...stored.forms].sort(), ['domestic_servitude', 'labour_exploitation']);
  assert.equal(stored.source, 'public');
  assert.equal(stored.place, 'local');
  assert.equal(stored.district, 'watford');
  assert.equal(stored.anonymous, true);
  assert.equal(stored.has_contact, false);

  await checkAxe(page, 'the confirmation page');
  await screenshot(page, 'browser-confirmation.png');
  await context.close();
});

test('the form works with JavaScript switched off (changed to abroad, with a country, not anonymous)', async () => {
  const { context, page } = await newPage('POST /report (no JavaScript)', { javaScriptEnabled: false });
  await page.goto(state.base);
  await form.forms(page, 'Sexual exploitation').check();
  // First Hertfordshire and a district, then a change of mind: the district
  // stays chosen in its list, as it does without JavaScript.
  await form.place(page, 'In Hertfordshire').check();
  await form.district(page).selectOption({ label: 'Watford' });
  await form.place(page, 'Abroad').check();
  await form.country(page).selectOption({ label: 'Romania' });
  await form.description(page).fill('My cousin was promised work in a hotel and was made to work in a flat instead.');
  await form.named(page).check();
  await form.contact(page).fill('07700 900123, after 6pm');
  const resp = await submit(page);
  assert.ok(resp.status() < 400, `the report was answered with ${resp.status()}`);
  const code = (await page.getByText(/^\s*LT-[0-9A-Z]{8}\s*$/).innerText()).trim();
  assert.match(code, REF_RE);
  assert.notEqual(code, reference, 'two reports were given the same reference code');
  const stored = await storedReport(code);
  assert.deepEqual(stored.forms, ['sexual_exploitation']);
  assert.equal(stored.place, 'abroad');
  assert.equal(stored.country, 'RO');
  assert.equal(stored.district, null);
  assert.equal(stored.anonymous, false);
  assert.equal(stored.has_contact, true);
  await context.close();
});

test('a member of staff signs in, sees who they are and signs out; the pages pass axe', async () => {
  const { context, page } = await newPage('/login', {}, true);
  let resp = await page.goto(`${state.base}login`);
  assert.equal(resp.status(), 200);
  const email = page.getByRole('textbox', { name: 'E-mail address' });
  const password = page.getByLabel('Password', { exact: true });
  await email.waitFor();
  assert.equal(await email.getAttribute('autocomplete'), 'username');
  assert.equal(await password.getAttribute('autocomplete'), 'current-password');
  await checkAxe(page, 'GET /login');
  await screenshot(page, 'browser-login.png');

  // A wrong password: the form again, a message that does not say which
  // part was wrong, the address kept, the password not.
  await email.fill(STAFF_EMAIL);
  await password.fill('not the password at all');
  let answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login');
  await page.getByRole('button', { name: 'Sign in' }).click();
  resp = await answer;
  await page.waitForLoadState('load');
  assert.equal(resp.status(), 401);
  assert.match(await page.title(), /^Error: /);
  const alert = page.getByRole('alert');
  assert.match(await alert.innerText(), /e-mail address or the password is not right/);
  const link = alert.getByRole('link');
  assert.equal(await link.getAttribute('href'), '#email');
  assert.equal(await email.inputValue(), STAFF_EMAIL);
  assert.equal(await password.inputValue(), '');
  assert.match(await description(email), /not right/);
  await checkAxe(page, 'the sign-in page with an error');

  // The right one: on to /staff, with a session cookie no script can read.
  await password.fill(STAFF_PASSWORD);
  await Promise.all([page.waitForURL(`${state.base}staff`), page.getByRole('button', { name: 'Sign in' }).click()]);
  await page.waitForLoadState('load');
  assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /signed in/i);
  const body = await page.locator('main').innerText();
  assert.ok(body.includes(STAFF_EMAIL), `the staff page does not say who is signed in:\n${body}`);
  assert.ok(body.includes('Police'), `the staff page does not show the role:\n${body}`);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'lantern_session');
  assert.ok(session, `no session cookie: ${JSON.stringify(cookies.map((c) => c.name))}`);
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  assert.equal(session.path, '/');
  assert.equal(await page.evaluate(() => document.cookie), '', 'a script can read a cookie');
  await checkAxe(page, 'GET /staff');
  await screenshot(page, 'browser-staff.png');

  // Sign out with the button: back to the sign-in page, and /staff is
  // closed again.
  await Promise.all([page.waitForURL(/\/login\?signed_out=1$/), page.getByRole('button', { name: 'Sign out' }).click()]);
  assert.match(await page.locator('main').innerText(), /You have signed out/);
  resp = await page.goto(`${state.base}staff`);
  assert.equal(new URL(page.url()).pathname, '/login', '/staff after signing out does not lead to /login');
  await context.close();
});

test('no console errors and nothing fetched from another origin', () => {
  assert.deepEqual(state.consoleErrors, [], `console errors:\n${state.consoleErrors.join('\n')}`);
  assert.deepEqual(state.offsite, [], `requests to other origins:\n${state.offsite.join('\n')}`);
});

test('the server stops on SIGTERM and exits 0', async () => {
  await state.browser.close();
  state.browser = null;
  state.server.kill('SIGTERM');
  const timeout = new Promise((res) => setTimeout(() => res(null), 30_000).unref());
  const exit = await Promise.race([state.serverExit, timeout]);
  assert.ok(exit, `lantern serve did not stop within 30 s of SIGTERM:\n${state.serverErr.slice(-4000)}`);
  assert.deepEqual(exit, { code: 0, signal: null },
                   `lantern serve exited with ${JSON.stringify(exit)}:\n${state.serverErr.slice(-8000)}`);
});
