// The larderd dashboard (docs/dashboard.md): sign-in first, then a card per consumable
// with its plot, the orders, the deliveries and the recent events, kept up to date by
// polling the API every few seconds while the tab is visible. Plain JavaScript modules,
// no framework, no build step, nothing fetched from anywhere but the hub itself.
import { Api } from './js/api.js';
import { fmtClock } from './js/dom.js';
import { ConsumableCards, renderDeliveries, renderEvents, renderOrders } from './js/views.js';

const POLL_MS = 5000;
const DETAIL_MAX_AGE_MS = 60000;  // a plot's data is fetched again at least this often
const MAX_EVENTS = 100;

const $ = (id) => document.getElementById(id);
const ui = {
  signin: $('signin'), form: $('signin-form'), token: $('token'), signinError: $('signin-error'),
  signinButton: $('signin-button'), loading: $('loading'),
  dashboard: $('dashboard'), who: $('who'), signout: $('signout'), status: $('sync-status'),
  cards: $('consumables'), orders: $('orders'), deliveries: $('deliveries'), events: $('events'),
};

const api = new Api((error) => sessionEnded(error));
const cards = new ConsumableCards(ui.cards);
let state = freshState();
let timer = null;
let polling = false;
let signedIn = false;

function freshState() {
  return {
    consumables: [], details: new Map(), detailAt: new Map(), detailStamp: new Map(),
    orders: [], ordersKey: '', deliveries: [], deliveriesKey: '',
    events: [], next: null, deliveredAt: new Map(),
    busy: new Set(), errors: new Map(),
  };
}

// ---- Signing in and out ---------------------------------------------------------------

function showSignIn(message) {
  signedIn = false;
  stopPolling();
  cards.clear();
  for (const node of [ui.orders, ui.deliveries, ui.events]) node.replaceChildren();
  state = freshState();
  ui.dashboard.hidden = true;
  ui.loading.hidden = true;
  ui.signin.hidden = false;
  ui.signinError.textContent = message || '';
  ui.signinError.hidden = !message;
  ui.token.value = '';
  ui.token.focus();
}

function showDashboard(session) {
  signedIn = true;
  ui.signin.hidden = true;
  ui.loading.hidden = true;
  ui.signinError.hidden = true;
  ui.dashboard.hidden = false;
  ui.who.textContent = session.right === 'admin' ? 'Signed in (admin)' : 'Signed in (read only)';
  startPolling();
}

function sessionEnded(error) {
  if (!signedIn) return;
  api.forget();
  showSignIn(error && error.message ? `Signed out: ${error.message}` : 'Your session has ended; sign in again.');
}

ui.form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = ui.token.value.trim();
  if (!token) {
    ui.signinError.textContent = 'Enter the hub’s read or admin token.';
    ui.signinError.hidden = false;
    return;
  }
  ui.signinButton.disabled = true;
  try {
    const session = await api.signIn(token);
    ui.token.value = '';
    showDashboard(session);
  } catch (e) {
    ui.signinError.textContent = e.status === 401 ? `Sign-in refused: ${e.message}` : e.message;
    ui.signinError.hidden = false;
  } finally {
    ui.signinButton.disabled = false;
  }
});

ui.signout.addEventListener('click', async () => {
  ui.signout.disabled = true;
  try {
    await api.signOut();
  } catch {
    // the session is gone from this page either way
  } finally {
    ui.signout.disabled = false;
    showSignIn('You are signed out.');
  }
});

// ---- Polling --------------------------------------------------------------------------

function startPolling() {
  stopPolling();
  if (!document.hidden) tick();
}

function stopPolling() {
  if (timer !== null) clearTimeout(timer);
  timer = null;
}

function schedule() {
  stopPolling();
  if (signedIn && !document.hidden) timer = setTimeout(tick, POLL_MS);
}

document.addEventListener('visibilitychange', () => {
  if (!signedIn) return;
  if (document.hidden) stopPolling();
  else if (!polling) tick();
});

async function tick() {
  if (polling || !signedIn) return;
  polling = true;
  try {
    await refresh();
    if (signedIn) {
      ui.status.textContent = `Up to date at ${fmtClock(new Date())}`;
      ui.status.classList.remove('stale');
    }
  } catch (e) {
    if (signedIn && e.status !== 401) {
      ui.status.textContent = `Not up to date: ${e.message}`;
      ui.status.classList.add('stale');
    }
  } finally {
    polling = false;
    schedule();
  }
}

async function refresh() {
  const [consumables, orders, deliveries] = await Promise.all([api.consumables(), api.orders(), api.deliveries()]);
  await pollEvents();
  if (!signedIn) return;
  state.consumables = Array.isArray(consumables) ? consumables : [];
  state.orders = Array.isArray(orders) ? orders : [];
  state.deliveries = Array.isArray(deliveries) ? deliveries : [];
  await refreshDetails();
  if (!signedIn) return;
  render();
}

// A consumable's detail (history and forecast) is fetched again when its state changed,
// when an order of it changed, or when it is a minute old.
async function refreshDetails() {
  const now = Date.now();
  const ordersKey = JSON.stringify(state.orders.map((o) => [o.order_id, o.status, o.placed_at, o.eta]));
  const due = state.consumables.filter((c) => {
    const stamp = `${c.updated}|${c.status}|${c.on_hand}|${ordersKey}`;
    const stale = !state.details.has(c.id) || state.detailStamp.get(c.id) !== stamp ||
      now - (state.detailAt.get(c.id) || 0) > DETAIL_MAX_AGE_MS;
    if (stale) state.detailStamp.set(c.id, stamp);
    return stale;
  });
  const answers = await Promise.all(due.map((c) => api.consumable(c.id).then(
    (d) => [c.id, d], (e) => { if (e.status === 401) throw e; return [c.id, null]; })));
  for (const [id, detail] of answers) {
    if (!detail) continue;
    state.details.set(id, detail);
    state.detailAt.set(id, now);
  }
}

async function pollEvents() {
  const answer = await api.events(state.next);
  if (!answer || !Array.isArray(answer.events)) return;
  if (state.next !== null && Number.isFinite(answer.next) && answer.next < state.next) {
    // The hub's numbering started again (a restart): take the whole list next time.
    state.events = [];
    state.next = null;
    return;
  }
  for (const e of answer.events) {
    if (state.events.length && e.seq <= state.events[state.events.length - 1].seq) continue;
    state.events.push(e);
    if (e.kind === 'order_delivered' && e.order_id) state.deliveredAt.set(e.order_id, e.ts);
  }
  if (state.events.length > MAX_EVENTS) state.events.splice(0, state.events.length - MAX_EVENTS);
  if (Number.isFinite(answer.next)) state.next = answer.next;
}

// ---- Drawing and acting ---------------------------------------------------------------

function names() {
  return new Map(state.consumables.map((c) => [c.id, c.name || c.id]));
}

function render() {
  const now = Date.now() / 1000;
  cards.update(state.consumables, state.details, state.orders, state.deliveredAt, now);
  drawOrders(false);
  const dKey = JSON.stringify(state.deliveries);
  if (dKey !== state.deliveriesKey) {
    state.deliveriesKey = dKey;
    renderDeliveries(ui.deliveries, state.deliveries, names());
  }
  renderEventsIfNew();
}

let eventsShown = -1;
function renderEventsIfNew() {
  const last = state.events.length ? state.events[state.events.length - 1].seq : 0;
  if (last === eventsShown && ui.events.childNodes.length) return;
  eventsShown = last;
  renderEvents(ui.events, state.events);
}

// Orders are drawn again only when something shown changed, so a button does not move
// under the pointer between two polls.
function drawOrders(force) {
  const key = JSON.stringify([state.orders, [...state.busy], [...state.errors], api.admin]);
  if (!force && key === state.ordersKey) return;
  state.ordersKey = key;
  renderOrders(ui.orders, state.orders, names(), {
    admin: api.admin, busy: state.busy, errors: state.errors,
    onCancel: (id) => act(id, () => api.cancelOrder(id)),
    onConfirm: (id) => act(id, () => api.confirmOrder(id)),
  });
}

async function act(id, call) {
  if (state.busy.has(id)) return;
  state.busy.add(id);
  state.errors.delete(id);
  drawOrders(true);
  try {
    const updated = await call();
    if (updated && updated.order_id) {
      state.orders = state.orders.map((o) => (o.order_id === updated.order_id ? updated : o));
    }
  } catch (e) {
    if (e.status !== 401) state.errors.set(id, `Refused: ${e.message}`);
  } finally {
    state.busy.delete(id);
  }
  if (!signedIn) return;
  drawOrders(true);
  if (!polling) {
    stopPolling();
    tick();
  }
}

// ---- Start ----------------------------------------------------------------------------

async function start() {
  try {
    const session = await api.resume();
    if (session) showDashboard(session);
    else showSignIn('');
  } catch (e) {
    showSignIn(`The hub cannot be reached: ${e.message}`);
  }
}

start();
