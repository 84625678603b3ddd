// The console in a real browser (issue 18): headless Chromium from Debian,
// driven by puppeteer-core, against a fresh `scimd --demo`. Finds every
// control by its accessible name (the names README and CONTRACT promise),
// and saves a screenshot of each screen.
//
// node console_browser_test.mjs BIN_DIR ARTIFACT_DIR
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import puppeteer from 'puppeteer-core';

const [binDir, artifacts] = process.argv.slice(2);
// This run's screenshots only: an earlier run's numbering differs.
rmSync(artifacts, { recursive: true, force: true });
mkdirSync(artifacts, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'console-'));
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

async function startScimd() {
  const out = [];
  const err = [];
  // With the access log on: the test checks the admin token is never logged.
  const proc = spawn(join(binDir, 'scimd'), [
    `--data_dir=${work}/data`, '--http_addr=127.0.0.1:0', '--grpc_addr=127.0.0.1:0', '--demo']);
  proc.stdout.on('data', (d) => out.push(d.toString()));
  proc.stderr.on('data', (d) => err.push(d.toString()));
  for (let i = 0; i < 600 && !err.join('').includes('"serving"'); i++) await sleep(50);
  const url = out.join('').match(/http:\/\/\S+/);
  assert.ok(url, `scimd did not start: ${err.join('')}`);
  return { proc, origin: new URL(url[0]).origin, logs: () => out.join('') + err.join('') };
}

const { proc, origin, logs } = await startScimd();
const adminToken = readFileSync(join(work, 'data', 'admin.token'), 'utf8').trim();
const browser = await puppeteer.launch({
  executablePath: chromium, headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
});
const problems = [];
let step = 0;

async function newPage(context) {
  const page = await context.newPage();
  await page.setViewport({ width: 1100, height: 900 });
  // Refused API calls are part of the test; any other error (a CSP
  // violation, a script error) is a problem.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      problems.push(`console: ${m.text()}`);
    }
  });
  page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
  page.on('requestfailed', (r) => {
    if (!r.url().startsWith(origin)) problems.push(`third-party request: ${r.url()}`);
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) problems.push(`third-party request: ${r.url()}`);
  });
  return page;
}
const byName = (name, role) => role ? `::-p-aria([name="${name}"][role="${role}"])` : `::-p-aria(${name})`;
async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, `${String(++step).padStart(2, '0')}-${name}.png`), fullPage: true });
}
async function heading(page, text) {
  await page.waitForFunction((t) => [...document.querySelectorAll('h1')].some((h) => h.textContent === t),
    { timeout: 10000 }, text);
}
// Every control has an accessible name, and Tab alone reaches every visible
// one (item 4 of the issue).
async function labelledAndKeyboardReachable(page, screen) {
  const unnamed = [];
  const walk = (n) => {
    if (['button', 'link', 'textbox', 'combobox', 'searchbox', 'checkbox'].includes(n.role) && !(n.name || '').trim()) {
      unnamed.push(n.role);
    }
    for (const c of n.children || []) walk(c);
  };
  walk(await page.accessibility.snapshot({ interestingOnly: false }));
  assert.deepEqual(unnamed, [], `${screen}: controls without a name`);
  const total = await page.evaluate(() => {
    const controls = [...document.querySelectorAll('a[href], button, input, select, textarea')]
      .filter((e) => !e.disabled && e.offsetParent !== null);
    controls.forEach((e, i) => { e.dataset.kb = String(i); });
    document.activeElement?.blur();
    return controls.length;
  });
  const seen = new Set();
  for (let i = 0; i < 3 * total + 10 && seen.size < total; i++) {
    await page.keyboard.press('Tab');
    const k = await page.evaluate(() => document.activeElement?.dataset?.kb);
    if (k !== undefined) seen.add(k);
  }
  assert.equal(seen.size, total, `${screen}: Tab reaches ${seen.size} of ${total} controls`);
}
async function scimStatus(key, tenant) {
  const res = await fetch(`${origin}/t/${tenant}/scim/v2/Users`, { headers: { Authorization: `Bearer ${key}` } });
  return res.status;
}

try {
  const admin = browser.defaultBrowserContext();
  await admin.overridePermissions(origin, ['clipboard-read', 'clipboard-write', 'clipboard-sanitized-write']);
  const page = await newPage(admin);
  const response = await page.goto(`${origin}/admin/`);
  const csp = response.headers()['content-security-policy'] || '';
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);

  // Sign in.
  await page.locator(byName('Admin token')).fill(adminToken);
  await shot(page, 'sign-in');
  await page.locator(byName('Sign in', 'button')).click();
  await heading(page, 'Tenants');
  for (const link of ['Tenants', 'Activity', 'Directory']) {
    assert.ok(await page.$(byName(link, 'link')), `navigation link ${link}`);
  }
  assert.ok(!(await page.content()).includes(adminToken), 'the admin token is on the page');
  await shot(page, 'tenants');

  // A tenant connected with Okta: its guide.
  await page.locator(byName('New tenant', 'button')).click();
  await page.locator(byName('Tenant name')).fill('shop');
  await page.select('#tenant-idp', 'okta');
  assert.ok(await page.$(byName('Identity provider')), 'the select "Identity provider"');
  await page.locator(byName('Create', 'button')).click();
  await heading(page, 'shop');
  const text = await page.evaluate(() => document.body.innerText);
  assert.match(text, /Setup guide: Okta/);
  assert.match(text, /login/);
  await shot(page, 'tenant-okta-guide');
  await labelledAndKeyboardReachable(page, 'tenant');

  // Base URL to the clipboard.
  await page.locator(byName('Copy base URL', 'button')).click();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, `${origin}/t/shop/scim/v2`);

  // A key: shown once, usable, gone after a reload.
  await page.locator(byName('Create API key', 'button')).click();
  await page.waitForSelector('#shown-once .secret');
  const key = await page.$eval('#shown-once .secret', (e) => e.textContent);
  assert.match(key, /^scim_/);
  assert.equal(await scimStatus(key, 'shop'), 200);
  await shot(page, 'key-shown-once');
  await page.reload();
  await heading(page, 'shop');
  assert.ok(!(await page.content()).includes(key), 'the key is shown again after a reload');

  // Rotate: a new key; the old one works through the grace period.
  await page.locator(byName('Rotate', 'button')).click();
  await page.waitForSelector('#shown-once .secret');
  const rotated = await page.$eval('#shown-once .secret', (e) => e.textContent);
  assert.notEqual(rotated, key);
  assert.equal(await scimStatus(rotated, 'shop'), 200);

  // A user through SCIM, then Test connection: every step passes.
  const created = await fetch(`${origin}/t/shop/scim/v2/Users`, {
    method: 'POST', headers: { Authorization: `Bearer ${rotated}`, 'Content-Type': 'application/scim+json' },
    body: JSON.stringify({ userName: 'ann@example.com', displayName: 'Ann' }) });
  assert.equal(created.status, 201);
  await page.locator(byName('Test connection', 'button')).click();
  await page.waitForFunction(() => document.querySelectorAll('#test-results li.ok').length === 4, { timeout: 10000 });
  await shot(page, 'test-connection');

  // Disable: SCIM calls get 403 (within the edge's 5 s verification cache).
  await page.locator(byName('Disable', 'button')).click();
  await page.waitForSelector(byName('Enable', 'button'));
  let status = 0;
  for (let i = 0; i < 40 && status !== 403; i++) { status = await scimStatus(rotated, 'shop'); if (status !== 403) await sleep(250); }
  assert.equal(status, 403);
  await shot(page, 'tenant-disabled');
  // The refusal, with its reason, on the activity screen (live: it polls).
  await page.locator(byName('Activity', 'link')).click();
  await page.waitForSelector('#pick-tenant');
  await page.evaluate(() => { location.hash = '#/activity/shop'; });
  await page.waitForFunction(() => [...document.querySelectorAll('td')].some((td) => td.textContent === 'request.denied'),
    { timeout: 20000 });
  const refusal = await page.evaluate(() => document.body.innerText);
  assert.match(refusal, /disabled/i);
  assert.match(refusal, /Hash chain verified/);
  await shot(page, 'activity');
  await labelledAndKeyboardReachable(page, 'activity');

  // The directory: a SCIM filter, a user's raw JSON.
  await page.locator(byName('Directory', 'link')).click();
  await page.waitForSelector('#pick-tenant');
  await page.evaluate(() => { location.hash = '#/directory/shop/users'; });
  await page.waitForFunction(() => document.getElementById('pick-tenant')?.value === 'shop');
  await page.locator(byName('SCIM filter')).fill('userName sw "ann"');
  await page.locator(byName('Search', 'button')).click();
  await page.locator(byName('ann@example.com', 'link')).click();
  await page.waitForFunction(() => (document.getElementById('raw-json') || {}).textContent?.includes('"userName": "ann@example.com"'),
    { timeout: 10000 });
  await shot(page, 'directory-user');
  await labelledAndKeyboardReachable(page, 'directory');

  // The tenants list: each tenant's users, groups and newest activity.
  await page.locator(byName('Tenants', 'link')).click();
  await page.waitForFunction(() => document.querySelector('tr[data-tenant="shop"] .users')?.textContent === '1',
    { timeout: 10000 });
  const lastActivity = await page.$eval('tr[data-tenant="shop"] .last', (e) => e.textContent);
  assert.match(lastActivity, /\./, `last activity: ${lastActivity}`);
  await shot(page, 'tenants-figures');
  await page.locator(byName('New tenant', 'button')).click();
  await labelledAndKeyboardReachable(page, 'tenants');

  await page.goto(`${origin}/admin/#/tenants/shop`);
  await heading(page, 'shop');
  await page.locator(byName('Enable', 'button')).click();
  await page.waitForSelector(byName('Disable', 'button'));

  // A setup link, opened in a fresh browser context.
  await page.locator(byName('Create setup link', 'button')).click();
  await page.waitForSelector('#setup-link .secret');
  const link = await page.$eval('#setup-link .secret', (e) => e.textContent);
  assert.ok(link.startsWith(`${origin}/admin/#setup=scl_`), link);
  await shot(page, 'setup-link');
  const customer = await browser.createBrowserContext();
  const guest = await newPage(customer);
  await guest.goto(link);
  await heading(guest, 'shop');
  assert.ok(!guest.url().includes('scl_'), 'the link secret stays in the address bar');
  assert.ok(!(await guest.$(byName('Delete tenant', 'button'))), 'a setup link can delete the tenant');
  assert.ok(!(await guest.$(byName('Disable', 'button'))), 'a setup link can disable the tenant');
  await guest.locator(byName('Create API key', 'button')).click();
  await guest.waitForSelector('#shown-once .secret');
  const guestKey = await guest.$eval('#shown-once .secret', (e) => e.textContent);
  assert.equal(await scimStatus(guestKey, 'shop'), 200);
  await shot(guest, 'setup-link-console');
  await labelledAndKeyboardReachable(guest, 'setup-link console');
  // The link itself is no SCIM credential.
  assert.equal(await scimStatus(link.slice(link.indexOf('scl_')), 'shop'), 401);
  // Test connection and the tenant's activity, read with the link's
  // read-only credential; no tenant list, no directory.
  await guest.locator(byName('Test connection', 'button')).click();
  await guest.waitForFunction(() => document.querySelectorAll('#test-results li.ok').length === 4,
    { timeout: 10000 });
  assert.ok(!(await guest.$(byName('Tenants', 'link'))), 'a setup link sees the tenant list link');
  assert.ok(!(await guest.$(byName('Directory', 'link'))), 'a setup link sees the directory link');
  await guest.locator(byName('Activity', 'link')).click();
  await guest.waitForFunction(() => [...document.querySelectorAll('td')].some((td) => td.textContent.startsWith('key.')),
    { timeout: 20000 });
  await guest.waitForFunction(() => /Hash chain verified/.test(document.getElementById('chain')?.textContent || ''),
    { timeout: 10000 });
  assert.ok(!(await guest.$('#pick-tenant')), 'a setup link can pick another tenant');
  await shot(guest, 'setup-link-activity');
  await guest.locator(byName('Setup', 'link')).click();
  await heading(guest, 'shop');
  // Other tenants stay out of reach: by URL, and through the API itself.
  await guest.goto(`${origin}/admin/#/tenants/demo`);
  await heading(guest, 'shop');
  const reach = await guest.evaluate(async () => {
    const who = await (await fetch('/admin/api/session')).json();
    const get = async (p) => (await fetch(`/admin/api${p}`)).status;
    const post = async (p) => (await fetch(`/admin/api${p}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': who.csrfToken }, body: '{}' })).status;
    return { tenants: await get('/tenants'), demo: await get('/tenants/demo'),
             users: await get('/tenants/shop/users'), demoActivity: await get('/tenants/demo/activity'),
             demoKeys: await post('/tenants/demo/keys'), noCsrf: (await fetch('/admin/api/tenants/shop/keys', {
               method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status };
  });
  assert.deepEqual(reach, { tenants: 403, demo: 403, users: 403, demoActivity: 403, demoKeys: 403,
                            noCsrf: 403 });
  await customer.close();

  // At 360 px wide: nothing runs off the side.
  await page.setViewport({ width: 360, height: 740 });
  await page.goto(`${origin}/admin/#/tenants/shop`);
  await heading(page, 'shop');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 360, `the tenant page is ${overflow} px wide at 360`);
  // Every control is still there (wide tables scroll; nothing is hidden).
  for (const name of ['Rotate', 'Revoke', 'Create API key', 'Copy base URL', 'Disable']) {
    const control = await page.$(byName(name, 'button'));
    assert.ok(control && (await control.boundingBox()), `${name} at 360 px`);
  }
  await shot(page, 'tenant-360px');
  await page.setViewport({ width: 1100, height: 900 });

  // Sign out: the session is gone.
  await page.locator(byName('Sign out', 'button')).click();
  await page.waitForSelector(byName('Admin token'));
  const after = await page.evaluate(async () => (await fetch('/admin/api/tenants')).status);
  assert.equal(after, 401);
  await shot(page, 'signed-out');

  assert.deepEqual(problems, [], 'console errors or third-party requests');
  const logged = logs();
  assert.ok(logged.includes('/admin/api/session'), 'the access log is on');
  assert.ok(!logged.includes(adminToken), 'the admin token is in the logs');
  assert.ok(!logged.includes(link.slice(link.indexOf('scl_') + 22)), 'a setup link secret is in the logs');
  console.log(`console_browser_test: ok (${step} screenshots in ${artifacts})`);
} finally {
  await browser.close();
  proc.kill();
  rmSync(work, { recursive: true, force: true });
}
