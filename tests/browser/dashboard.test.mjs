// The dashboard in a real browser (docs/dashboard.md): Debian's chromium driven by
// playwright-core against real services that this test starts itself (mosquitto,
// larder-sandbox, larderd from the build dir given in LARDER_BUILD_DIR or argv[2]).
// It signs in (a wrong token first), checks that every plot has data, cancels a held
// order with its button, sees a refused confirm's message, and fails on any console
// error, page error, CSP violation or failed request that the test did not cause on
// purpose. A second run with household.locale de-DE checks the page's German words and its
// German numbers, money and dates, while the API's values stay the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  ADMIN_TOKEN, READ_TOKEN, adminApi, freePort, larderConfig, logs, makeWorkDir, publishHistory,
  startLarderd, startMosquitto, startSandbox, stopAll, waitFor,
} from './services.mjs';

const WEB = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../web');
const BUILD = path.resolve(process.env.LARDER_BUILD_DIR || process.argv[2] || '');
const CHROMIUM = process.env.LARDER_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// What the page may see fail, because the test asks for it: "METHOD /path STATUS".
const expected = new Set();
const problems = [];
let navigating = false;  // the test's own reloads abort the polls in flight

// The tab goes hidden (the page stops polling) or visible again.
async function setHidden(page, hidden) {
  await page.evaluate((h) => {
    if (h) Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    else delete document.hidden;
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

// Confirms, in the page, an order the API cancelled while the tab was hidden (the page did
// not poll, so its row kept the Confirm button). Returns the row's error text and the
// hub's refusal of the same confirm.
async function confirmCancelledMeanwhile(page, api, id) {
  const row = page.locator(`li.order[data-order-id="${id}"]`);
  await row.locator('button[data-action="confirm"]').waitFor();
  await setHidden(page, true);
  const cancelled = await api('POST', `/api/v1/orders/${id}/cancel`);
  assert.equal(cancelled.json.status, 'cancelled');
  await new Promise((r) => setTimeout(r, 6000));  // longer than one poll interval
  assert.equal(await row.getAttribute('data-status'), 'held', 'a hidden tab does not poll');
  expected.add(`POST /api/v1/orders/${id}/confirm 409`);
  await row.locator('button[data-action="confirm"]').click();
  const error = row.locator('.error');
  await error.waitFor();
  const text = await error.textContent();  // before a poll redraws the row
  const refusal = await api('POST', `/api/v1/orders/${id}/confirm`);
  assert.equal(refusal.status, 409);
  await setHidden(page, false);
  return { text, message: refusal.json.error.message };
}

async function reload(page) {
  navigating = true;
  try {
    await page.reload();
  } finally {
    navigating = false;
  }
}

function watch(page, base) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error' && msg.type() !== 'warning') return;
    const url = msg.location() && msg.location().url ? msg.location().url : '';
    const m = /status of (\d+)/.exec(msg.text());
    if (m && url.startsWith(base)) {
      const p = new URL(url).pathname;
      if ([...expected].some((e) => e.endsWith(` ${p} ${m[1]}`))) return;
    }
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()} (${url})`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    if (navigating && r.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    if (r.status() < 400) return;
    const key = `${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`;
    if (!expected.has(key)) problems.push(`failed request: ${key}`);
  });
}

test('the dashboard, signed in, shows the hub and acts on orders', { timeout: 110000 }, async (t) => {
  assert.ok(fs.existsSync(path.join(BUILD, 'larderd')), `no larderd in the build dir '${BUILD}'`);
  assert.ok(fs.existsSync(CHROMIUM), `no chromium at ${CHROMIUM}`);
  const dir = makeWorkDir();
  let browser;
  try {
    // ---- services ----
    const mqttPort = await startMosquitto(dir);
    const httpPort = await freePort();
    const base = `http://127.0.0.1:${httpPort}`;
    const sandboxPort = await startSandbox(dir, BUILD, httpPort);
    await startLarderd(dir, BUILD, larderConfig({ mqttPort, httpPort, sandboxPort, stateDir: path.join(dir, 'state') }), httpPort, WEB);
    const api = adminApi(base);
    const sent = await publishHistory(mqttPort, Date.now() / 1000);
    assert.ok(sent.coffee > 600 && sent.pods > 20);
    for (const id of ['coffee', 'pods']) {
      await waitFor(`a forecast for ${id}`, async () => {
        const r = await api('GET', `/api/v1/consumables/${id}`);
        return r.status === 200 && r.json.history.length >= 2 && r.json.forecast.length >= 2;
      }, 30000, 250);
    }
    const coffeeOrder = await api('POST', '/api/v1/orders', { consumable: 'coffee', quantity: 1 });
    assert.equal(coffeeOrder.status, 201, coffeeOrder.text);
    assert.equal(coffeeOrder.json.status, 'held', 'an API order is held for undo_window_s.api');
    const podsOrder = await api('POST', '/api/v1/orders', { consumable: 'pods', quantity: 2 });
    assert.equal(podsOrder.status, 201, podsOrder.text);
    assert.equal(podsOrder.json.status, 'held');

    // ---- the page, before signing in ----
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    const context = await browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    context.setDefaultTimeout(15000);
    const page = await context.newPage();
    watch(page, base);
    expected.add('GET /api/v1/session 401');  // the page asks whether a session is open
    const first = await page.goto(base + '/');
    assert.equal(first.status(), 200);
    const csp = first.headers()['content-security-policy'] || '';
    assert.match(csp, /default-src 'self'/, 'the dashboard is served with its Content-Security-Policy');
    await page.locator('#signin').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#dashboard').isVisible(), false, 'nothing but the sign-in before signing in');
    assert.equal(await page.locator('.card').count(), 0);

    await t.test('a wrong token is refused with the hub\'s message', async () => {
      expected.add('POST /api/v1/session 401');
      await page.fill('#token', 'not-the-token');
      await page.click('#signin-button');
      await page.locator('#signin-error').waitFor({ state: 'visible' });
      assert.match(await page.textContent('#signin-error'), /wrong token/);
      assert.equal(await page.locator('#dashboard').isVisible(), false);
    });

    await t.test('signing in shows a card with a plot with data for each consumable', async () => {
      await page.fill('#token', ADMIN_TOKEN);
      await page.click('#signin-button');
      await page.locator('#dashboard').waitFor({ state: 'visible' });
      assert.equal(await page.locator('#signin').isVisible(), false);
      await page.locator('.card[data-consumable="pods"] .plot-svg path.median').waitFor();
      await page.locator('.card[data-consumable="coffee"] .plot-svg path.median').waitFor();
      const cards = await page.$$eval('.card', (els) => els.map((c) => ({
        id: c.dataset.consumable,
        title: c.querySelector('.card-title').textContent,
        status: c.querySelector('.badge').textContent,
        days: c.querySelector('dd.days-left').textContent,
        level: c.querySelector('dd.level').textContent,
        level_points: Number(c.querySelector('path.level')?.dataset.points || 0),
        level_d: c.querySelector('path.level')?.getAttribute('d') || '',
        median_d: c.querySelector('path.median')?.getAttribute('d') || '',
        band: !!c.querySelector('path.band'),
        ticks: [...c.querySelectorAll('.axis text')].map((x) => x.textContent),
      })));
      assert.deepEqual(cards.map((c) => c.id), ['coffee', 'pods'], 'one card per consumable, in config order');
      assert.equal(cards[0].title, 'Coffee beans');
      for (const c of cards) {
        assert.ok(c.level_points >= 2, `${c.id}: the level history has points`);
        assert.ok((c.level_d.match(/L/g) || []).length >= 1, `${c.id}: the level path has segments`);
        assert.ok((c.median_d.match(/L/g) || []).length >= 1, `${c.id}: the forecast median has segments`);
        assert.ok(c.band, `${c.id}: the 90% band is drawn`);
        assert.match(c.days, /day/, `${c.id}: days left are shown`);
        assert.ok(c.ticks.some((x) => /[A-Za-z]{3}/.test(x)), `${c.id}: the time axis has dates: ${c.ticks}`);
      }
      assert.ok(cards[0].ticks.includes('g') && cards[1].ticks.includes('pcs'), 'the value axis names its unit');
      assert.match(cards[0].level, / g/);
      if (process.env.LARDER_SCREENSHOTS) {
        await page.screenshot({ path: path.join(process.env.LARDER_SCREENSHOTS, 'dashboard-375.png'), fullPage: true });
      }
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `no horizontal scrolling on a 375 px screen (overflow ${overflow} px)`);
    });

    await t.test('the held order\'s Cancel button cancels it', async () => {
      const id = coffeeOrder.json.order_id;
      const row = page.locator(`li.order[data-order-id="${id}"]`);
      await row.waitFor();
      assert.equal(await row.getAttribute('data-status'), 'held');
      assert.equal(await row.locator('button[data-action="confirm"]').count(), 1, 'a held order can be confirmed');
      await row.locator('button[data-action="cancel"]').click();
      await page.locator(`li.order[data-order-id="${id}"][data-status="cancelled"]`).waitFor({ timeout: 10000 });
      assert.equal(await page.locator(`li.order[data-order-id="${id}"] button`).count(), 0, 'a cancelled order has no buttons');
      const after = await api('GET', `/api/v1/orders/${id}`);
      assert.equal(after.json.status, 'cancelled');
      // The events list follows with the cancel (polled with after=next).
      await page.locator('li.event[data-kind="order_cancelled"]').waitFor({ timeout: 15000 });
    });

    await t.test('a refused confirm shows the hub\'s message', async () => {
      const { text, message } = await confirmCancelledMeanwhile(page, api, podsOrder.json.order_id);
      assert.ok(text.includes(message), `the row shows the hub's message '${message}'`);
    });

    await t.test('a cancel waiting for the retailer is shown, without a second Cancel', async () => {
      const rows = await page.evaluate(async () => {
        const { renderOrders } = await import('/js/views.js');
        const box = document.createElement('div');
        const order = { order_id: 'o-test', status: 'placed', consumable: 'coffee', quantity: 1 };
        const draw = (o) => {
          renderOrders(box, [o], new Map(), { admin: true, busy: new Set(), errors: new Map(),
            onCancel() {}, onConfirm() {} });
          return { buttons: box.querySelectorAll('button[data-action="cancel"]').length,
            note: box.querySelector('.cancel-requested')?.textContent || '' };
        };
        return [draw(order), draw({ ...order, cancel_requested: true })];
      });
      assert.deepEqual(rows[0], { buttons: 1, note: '' }, 'a placed order can be cancelled');
      assert.equal(rows[1].buttons, 0, 'asking again would change nothing');
      assert.match(rows[1].note, /Cancel requested/);
    });

    await t.test('another tab signing in again: a Cancel goes through with the new session', async () => {
      // The browser's other tab signs in: the cookie (shared) names a new session, whose
      // CSRF value this page has not seen.
      const other = await context.request.post(`${base}/api/v1/session`, { data: { token: ADMIN_TOKEN } });
      assert.equal(other.status(), 200, await other.text());
      const order = await api('POST', '/api/v1/orders', { consumable: 'coffee', quantity: 1 });
      assert.equal(order.json.status, 'held');
      const id = order.json.order_id;
      expected.add(`POST /api/v1/orders/${id}/cancel 403`);
      const row = page.locator(`li.order[data-order-id="${id}"]`);
      await row.locator('button[data-action="cancel"]').click({ timeout: 15000 });
      await page.locator(`li.order[data-order-id="${id}"][data-status="cancelled"]`).waitFor({ timeout: 10000 });
      assert.equal((await api('GET', `/api/v1/orders/${id}`)).json.status, 'cancelled');
      assert.equal(await page.locator(`li.order[data-order-id="${id}"] .error`).count(), 0);
    });

    await t.test('another tab signing in with the read token takes the buttons away', async () => {
      const other = await context.request.post(`${base}/api/v1/session`, { data: { token: READ_TOKEN } });
      assert.equal(other.status(), 200, await other.text());
      const order = await api('POST', '/api/v1/orders', { consumable: 'coffee', quantity: 1 });
      const id = order.json.order_id;
      expected.add(`POST /api/v1/orders/${id}/cancel 403`);
      const row = page.locator(`li.order[data-order-id="${id}"]`);
      await row.locator('button[data-action="cancel"]').click({ timeout: 15000 });
      await row.locator('.error').waitFor();
      assert.match(await row.locator('.error').textContent(), /admin/);
      assert.match(await page.textContent('#who'), /read/i, 'the page says which right it has now');
      assert.equal(await page.locator('li.order button').count(), 0, 'no order buttons for the read right');
      assert.equal((await api('GET', `/api/v1/orders/${id}`)).json.status, 'held', 'nothing was cancelled');
      await api('POST', `/api/v1/orders/${id}/cancel`);
      // Back to an admin session for the tests that follow.
      await context.request.post(`${base}/api/v1/session`, { data: { token: ADMIN_TOKEN } });
    });

    await t.test('a plot that cannot be fetched says so in the bar', async () => {
      const path503 = '/api/v1/consumables/coffee';
      expected.add(`GET ${path503} 503`);
      await page.route(`${base}${path503}`, (route) => route.fulfill({
        status: 503, contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'unavailable', message: 'the store is busy' } }),
      }));
      await reload(page);
      await page.locator('#sync-status.stale').waitFor({ timeout: 15000 });
      assert.match(await page.textContent('#sync-status'), /the store is busy/);
      await page.unroute(`${base}${path503}`);
      await page.locator('#sync-status:not(.stale)').waitFor({ timeout: 15000 });
      await page.locator('.card[data-consumable="coffee"] .plot-svg path.median').waitFor();
    });

    await t.test('a reload resumes the session', async () => {
      await reload(page);
      await page.locator('#dashboard').waitFor({ state: 'visible' });
      await page.locator('.card').first().waitFor();
      assert.equal(await page.locator('#signin').isVisible(), false);
    });

    await t.test('a session ended elsewhere brings the sign-in back', async () => {
      // End the page's session with its own cookie and CSRF value, behind its back.
      const cookie = (await context.cookies(base)).find((c) => c.name === 'larder_session');
      assert.ok(cookie && cookie.httpOnly, 'the session cookie is HttpOnly');
      const headers = { Cookie: `larder_session=${cookie.value}` };
      const session = await (await fetch(`${base}/api/v1/session`, { headers })).json();
      for (const p of ['/api/v1/consumables', '/api/v1/orders', '/api/v1/deliveries', '/api/v1/events',
        '/api/v1/consumables/coffee', '/api/v1/consumables/pods']) expected.add(`GET ${p} 401`);
      const ended = await fetch(`${base}/api/v1/session`,
        { method: 'DELETE', headers: { ...headers, 'X-Larder-CSRF': session.csrf } });
      assert.equal(ended.status, 200);
      await page.locator('#signin').waitFor({ state: 'visible', timeout: 15000 });
      assert.match(await page.textContent('#signin-error'), /sign in again/);
      assert.equal(await page.locator('.card').count(), 0, 'nothing of the dashboard stays');
    });

    await t.test('a sign-out the hub does not answer keeps the dashboard and says so', async () => {
      await page.fill('#token', ADMIN_TOKEN);
      await page.click('#signin-button');
      await page.locator('.card').first().waitFor();
      expected.add('DELETE /api/v1/session 503');
      const session = `${base}/api/v1/session`;
      await page.route(session, (route) => (route.request().method() === 'DELETE'
        ? route.fulfill({ status: 503, contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'unavailable', message: 'the hub is restarting' } }) })
        : route.continue()));
      await page.click('#signout');
      await page.locator('#sync-status.stale', { hasText: 'Not signed out: the hub is restarting' }).waitFor();
      assert.equal(await page.locator('#dashboard').isVisible(), true, 'the session is still valid');
      await page.unroute(session);
    });

    await t.test('signing out ends the session, also one another tab opened', async () => {
      // The other tab's sign-in: the page's CSRF value is stale, the hub refuses (403), the
      // page reads the session again and ends it.
      const other = await context.request.post(`${base}/api/v1/session`, { data: { token: ADMIN_TOKEN } });
      assert.equal(other.status(), 200, await other.text());
      expected.add('DELETE /api/v1/session 403');
      await page.click('#signout');
      await page.locator('#signin').waitFor({ state: 'visible' });
      assert.equal(await page.locator('.card').count(), 0, 'signing out clears the dashboard');
      assert.equal((await context.request.get(`${base}/api/v1/session`)).status(), 401,
        'the session the cookie names is ended at the hub');
      await reload(page);
      await page.locator('#signin').waitFor({ state: 'visible' });
      assert.equal(await page.locator('#dashboard').isVisible(), false);
    });

    const seen = [...problems];
    await context.close();
    assert.deepEqual(seen, [], 'no console errors, page errors or unexpected failed requests');
  } catch (e) {
    e.message += `\n${logs()}`;
    throw e;
  } finally {
    if (browser) await browser.close();
    await stopAll();
    if (!process.env.LARDER_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the dashboard speaks the household\'s language: German labels, numbers, money and dates', { timeout: 90000 }, async (t) => {
  expected.clear();
  problems.length = 0;
  const dir = makeWorkDir();
  let browser;
  try {
    const mqttPort = await startMosquitto(dir);
    const httpPort = await freePort();
    const base = `http://127.0.0.1:${httpPort}`;
    const sandboxPort = await startSandbox(dir, BUILD, httpPort);
    await startLarderd(dir, BUILD, larderConfig({
      mqttPort, httpPort, sandboxPort, stateDir: path.join(dir, 'state'), locale: 'de-DE', timezone: 'Europe/Berlin',
    }), httpPort, WEB);
    const api = adminApi(base);
    // The pods packs were bought past their best-before (two days ago): both are flagged.
    const bestBefore = new Date(Date.now() - 2 * 86400 * 1000).toISOString().slice(0, 10);
    await publishHistory(mqttPort, Date.now() / 1000, { bestBefore });
    await waitFor('a forecast for coffee', async () => {
      const r = await api('GET', '/api/v1/consumables/coffee');
      return r.status === 200 && r.json.forecast.length >= 2;
    }, 30000, 250);
    const order = await api('POST', '/api/v1/orders', { consumable: 'coffee', quantity: 1 });
    assert.equal(order.status, 201, order.text);
    const id = order.json.order_id;
    // The held order takes its quote meanwhile: 8.99 EUR for a pack of coffee.
    await waitFor('the held order\'s price', async () => {
      const r = await api('GET', `/api/v1/orders/${id}`);
      return r.json && r.json.price === 8.99 && r.json.status === 'held';
    }, 15000, 200);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    // The browser speaks English: the sign-in form is English (nothing of the household is
    // known before signing in), the dashboard German (household.locale de-DE).
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 375, height: 812 }, isMobile: true });
    context.setDefaultTimeout(15000);
    const page = await context.newPage();
    watch(page, base);
    expected.add('GET /api/v1/session 401');
    await page.goto(base + '/');
    await page.locator('#signin').waitFor({ state: 'visible' });
    assert.equal(await page.textContent('#signin-button'), 'Sign in');

    await t.test('signed in, labels, statuses, numbers, money and dates are German', async () => {
      await page.fill('#token', ADMIN_TOKEN);
      await page.click('#signin-button');
      await page.locator('#dashboard').waitFor({ state: 'visible' });
      await page.locator('.card[data-consumable="coffee"] .plot-svg path.median').waitFor();
      const row = page.locator(`li.order[data-order-id="${id}"]`);
      await row.locator('.price').waitFor();
      assert.equal(await page.getAttribute('html', 'lang'), 'de-DE');
      assert.equal(await page.textContent('#orders-title'), 'Bestellungen');
      assert.equal(await page.textContent('#events-title'), 'Letzte Ereignisse');
      assert.equal(await page.textContent('#signout'), 'Abmelden');
      assert.equal(await page.textContent('#who'), 'Angemeldet (Admin)');
      // The API's value stays, the badge is German.
      assert.equal(await row.getAttribute('data-status'), 'held');
      const badge = row.locator('.badge');
      assert.equal(await badge.getAttribute('data-value'), 'held');
      assert.equal(await badge.textContent(), 'vorgemerkt');
      assert.equal(await row.locator('button[data-action="cancel"]').textContent(), 'Stornieren');
      assert.equal(await row.locator('button[data-action="confirm"]').textContent(), 'Bestätigen');
      // Money with its currency, the German way: "8,99 €" (Intl puts a no-break space).
      assert.match(await row.locator('.price').textContent(), /^8,99\s€$/);
      const card = page.locator('.card[data-consumable="coffee"]');
      const facts = await card.locator('dt').allTextContents();
      assert.deepEqual(facts, ['Reicht noch', 'Füllstand', 'Auf Vorrat', 'Verbrauch', 'Leer am']);
      assert.match(await card.locator('dd.days-left').textContent(), /^\d+(,\d)? Tage?$/);
      assert.match(await card.locator('dd.level').textContent(), /^\d+ g von 1\.000 g$/, 'German thousands');
      assert.match(await card.locator('dd.use').textContent(), /^\d+(,\d)? g pro Tag$/);
      assert.equal(await card.locator('.legend li').first().textContent(), 'Füllstand');
      const ticks = await card.locator('.axis text').allTextContents();
      assert.ok(ticks.some((x) => /^\d{1,2}\. (Jan|Feb|März|Apr|Mai|Juni|Juli|Aug|Sept|Okt|Nov|Dez)/.test(x)),
        `German dates on the time axis: ${ticks}`);
      const pods = page.locator('.card[data-consumable="pods"]');
      assert.equal(await pods.locator('dd.on-hand').textContent(), '2 Packungen');
      assert.deepEqual(await pods.locator('dt').allTextContents(),
        ['Reicht noch', 'Füllstand', 'Auf Vorrat', 'Verbrauch', 'Leer am', 'Mindestens haltbar bis']);
      assert.match(await pods.locator('dd.best-before').textContent(),
        /^\d{1,2}\. \S+: 2 Packungen werden nicht rechtzeitig aufgebraucht$/);
      assert.ok((await pods.locator('.axis text').allTextContents()).includes('Stk.'), 'the unit in German');
      if (process.env.LARDER_SCREENSHOTS) {
        await page.screenshot({ path: path.join(process.env.LARDER_SCREENSHOTS, 'dashboard-de-375.png'), fullPage: true });
      }
    });

    await t.test('a refused confirm is said in German, the hub\'s message inside', async () => {
      const { text, message } = await confirmCancelledMeanwhile(page, api, id);
      assert.equal(text, `Abgelehnt: das geht bei dieser Bestellung nicht mehr (${message})`);
    });

    await t.test('signing out speaks the browser\'s language again', async () => {
      await page.click('#signout');
      await page.locator('#signin').waitFor({ state: 'visible' });
      assert.equal(await page.textContent('#signin-error'), 'You are signed out.');
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
    });

    await t.test('a German browser gets a German sign-in form', async () => {
      const german = await browser.newContext({ locale: 'de-DE' });
      const p = await german.newPage();
      watch(p, base);
      await p.goto(base + '/');
      await p.locator('#signin').waitFor({ state: 'visible' });
      await p.locator('#signin-button', { hasText: 'Anmelden' }).waitFor();
      assert.equal(await p.textContent('#signin-title'), 'Anmelden');
      assert.equal(await p.textContent('label[for="token"]'), 'Zugangstoken');
      await german.close();
    });

    const seen = [...problems];
    await context.close();
    assert.deepEqual(seen, [], 'no console errors, page errors or unexpected failed requests');
  } catch (e) {
    e.message += `\n${logs()}`;
    throw e;
  } finally {
    if (browser) await browser.close();
    await stopAll();
    if (!process.env.LARDER_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
  }
});
