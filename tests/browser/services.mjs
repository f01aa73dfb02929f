// The real services behind the dashboard's browser test: a private mosquitto on a free
// loopback port, larder-sandbox (the simulated retailer) and larderd from the build dir,
// with a configuration written here; history is published with mosquitto_pub. Every
// process started here is ended by stopAll(), by its own pid.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import os from 'node:os';

export const ADMIN_TOKEN = 'browser-admin-token-0123456789';
export const READ_TOKEN = 'browser-read-token-0123456789';
const RETAILER_KEY = 'browser-retailer-key-0123456789';
const CALLBACK_SECRET = 'browser-callback-secret-0123456789';
const MOSQUITTO = '/usr/sbin/mosquitto';

const children = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function makeWorkDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'larder-browser-'));
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function accepts(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

// Polls `fn` until it returns a truthy value or `ms` pass; throws `what` on timeout.
export async function waitFor(what, fn, ms = 15000, every = 200) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(every);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
}

function start(name, argv, logPath, extra = {}) {
  const out = fs.openSync(logPath, 'a');
  const stdout = extra.stdoutPath ? fs.openSync(extra.stdoutPath, 'a') : out;
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', stdout, out], env: { ...process.env, ...(extra.env || {}) } });
  child.larderName = name;
  child.logPath = logPath;
  child.exited = null;
  child.on('exit', (code, signal) => { child.exited = { code, signal }; });
  children.push(child);
  return child;
}

function log(child) {
  try {
    return fs.readFileSync(child.logPath, 'utf8');
  } catch {
    return '';
  }
}

export function logs() {
  return children.map((c) => `--- ${c.larderName} (${c.logPath})\n${log(c).split('\n').slice(-60).join('\n')}`).join('\n');
}

// SIGTERM to each process started here, then SIGKILL to those still running after 5 s.
export async function stopAll() {
  for (const c of children) if (!c.exited) c.kill('SIGTERM');
  const end = Date.now() + 5000;
  while (children.some((c) => !c.exited) && Date.now() < end) await sleep(50);
  for (const c of children) if (!c.exited) c.kill('SIGKILL');
}

export async function startMosquitto(dir) {
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, [
    `listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false',
    'max_queued_messages 100000', 'set_tcp_nodelay true',
    ...(process.getuid && process.getuid() === 0 ? ['user root'] : []), '',
  ].join('\n'));
  const child = start('mosquitto', [MOSQUITTO, '-c', conf], path.join(dir, 'mosquitto.log'));
  await waitFor('mosquitto to accept connections', async () => {
    if (child.exited) throw new Error(`mosquitto exited: ${log(child)}`);
    return accepts(port);
  }, 5000, 50);
  return port;
}

export async function startSandbox(dir, build, hubPort) {
  const stdoutPath = path.join(dir, 'sandbox.out');
  const child = start('larder-sandbox', [path.join(build, 'larder-sandbox'), '--listen', '127.0.0.1:0',
    '--api-key', RETAILER_KEY, '--speed', '1',
    '--callback-url', `http://127.0.0.1:${hubPort}/api/v1/retailer/events`,
    '--webhook-secret', CALLBACK_SECRET], path.join(dir, 'sandbox.log'), { stdoutPath });
  return waitFor('larder-sandbox to listen', () => {
    if (child.exited) throw new Error(`larder-sandbox exited: ${log(child)}`);
    const m = /^listening on 127\.0\.0\.1:(\d+)$/m.exec(fs.readFileSync(stdoutPath, 'utf8'));
    return m ? Number(m[1]) : null;
  }, 10000, 50);
}

// The hub's configuration: two consumables, the sandbox retailer, long undo windows so
// that an order stays `held` while the browser acts on it; the household's locale and zone
// as given (larderd's default locale, en-GB, and UTC without them).
export function larderConfig({ mqttPort, httpPort, sandboxPort, stateDir, locale = null, timezone = 'UTC' }) {
  return `mqtt:
  url: tcp://127.0.0.1:${mqttPort}
  client_id: larder-browser-test
state_dir: ${stateDir}
http:
  listen: 127.0.0.1:${httpPort}
  admin_token: ${ADMIN_TOKEN}
  read_token: ${READ_TOKEN}
household:
  timezone: ${timezone}
  currency: EUR
${locale ? `  locale: ${locale}\n` : ''}log_level: info
retailer:
  kind: sandbox
  url: http://127.0.0.1:${sandboxPort}
  api_key: ${RETAILER_KEY}
  webhook_secret: ${CALLBACK_SECRET}
orders:
  undo_window_s: {sensor: 3600, button: 3600, api: 3600}
consumables:
  coffee:
    name: Coffee beans
    unit: g
    capacity: 1000
    lead_time_days: 2
    pack: {sku: COFFEE-500, size: 500, price: 8.99}
  pods:
    name: Coffee pods
    unit: pcs
    capacity: 80
    pack: {sku: PODS-40, size: 40, price: 12.00}
`;
}

// larderd serves the dashboard from `webDir` (the source tree's web/, through
// LARDER_DASHBOARD_DIR, so that an installed copy elsewhere is not what gets tested).
export async function startLarderd(dir, build, config, httpPort, webDir) {
  const file = path.join(dir, 'larder.yaml');
  fs.writeFileSync(file, config);
  const child = start('larderd', [path.join(build, 'larderd'), '--config', file], path.join(dir, 'larderd.log'),
    { env: { LARDER_DASHBOARD_DIR: webDir } });
  await waitFor('larderd to answer /healthz', async () => {
    if (child.exited) throw new Error(`larderd exited ${JSON.stringify(child.exited)}: ${log(child)}`);
    const r = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
    return r.ok;
  }, 20000, 100);
  // It logs this once every SUBACK is back (daemon/app/daemon.cc): what is published
  // from then on reaches it. /healthz alone answers before that.
  await waitFor('larderd to subscribe on the broker', () => {
    if (child.exited) throw new Error(`larderd exited ${JSON.stringify(child.exited)}`);
    return log(child).includes('connected to the MQTT broker');
  }, 10000, 50);
}

// mosquitto_pub -l: each line of `lines` a message on `topic` (QoS 1, in order).
export function publishLines(mqttPort, topic, lines) {
  return new Promise((resolve, reject) => {
    const p = spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(mqttPort), '-q', '1', '-t', topic, '-l'],
      { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mosquitto_pub ${topic}: exit ${code} ${err}`))));
    p.stdin.end(lines.join('\n') + '\n');
  });
}

// 14 days of backdated, timestamped history: a coffee scale every 30 minutes (three
// 8 g scoops a day, from 900 g), and the pods' counter (two a day) from a pack opened
// when the history begins plus two packs on the shelf. Neither runs low within the
// lead time, so the model orders nothing by itself.
// `bestBefore` (optional): the date the two purchased pods packs carry (docs/best-before.md).
export async function publishHistory(mqttPort, now, { bestBefore = null } = {}) {
  const start = Math.floor(now) - 14 * 86400;
  const coffee = [];
  const podsUsed = [];
  let level = 900;
  for (let t = start + 1800; t <= now - 60; t += 1800) {
    const slot = Math.floor((t % 86400) / 1800);  // half hour of the day (UTC)
    if (slot === 15 || slot === 25 || slot === 39) level -= 8;
    coffee.push(JSON.stringify({ value: level, unit: 'g', ts: t }));
    if (slot === 16 || slot === 42) podsUsed.push(JSON.stringify({ amount: 1, unit: 'pcs', ts: t }));
  }
  await publishLines(mqttPort, 'larder/v1/consumable/pods/refilled', [JSON.stringify({ ts: start })]);
  await publishLines(mqttPort, 'larder/v1/consumable/coffee/level', coffee);
  await publishLines(mqttPort, 'larder/v1/consumable/pods/used', podsUsed);
  await publishLines(mqttPort, 'larder/v1/consumable/pods/purchased',
    [JSON.stringify({ packs: 2, ts: Math.floor(now), ...(bestBefore ? { best_before: bestBefore } : {}) })]);
  return { coffee: coffee.length, pods: podsUsed.length };
}

// The hub's API with the admin token (the test's own view, beside the browser's).
export function adminApi(base) {
  return async (method, p, body) => {
    const r = await fetch(base + p, {
      method,
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    let json = null;
    try { json = JSON.parse(text); } catch { json = null; }
    return { status: r.status, json, text, headers: r.headers };
  };
}
