// The larderd dashboard (docs/dashboard.md): sign-in first, then a card per consumable
// with its plot, the orders, the deliveries and the recent events, kept up to date by
// polling the API every few seconds while the tab is visible. Plain JavaScript modules,
// no framework, no build step, nothing fetched from anywhere but the hub itself. Its words
// and formats follow household.locale, household.currency and household.timezone once
// signed in (GET /api/v1/dashboard); before, the browser's language (js/i18n.js).
import { Api } from './js/api.js';
import { fmtClock } from './js/dom.js';
import { has, hasTexts, setTexts, t } from './js/i18n.js';
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

const api = new Api((error) => sessionEnded(error), (right) => rightChanged(right));
const cards = new ConsumableCards(ui.cards);
let state = freshState();
let timer = null;
let polling = false;
let signedIn = false;
let visitorTexts = null;  // the sign-in form's words, in the browser's language

// The sign-in form speaks the browser's language (English when the hub has no catalog for
// it): before signing in the page knows nothing of the household.
async function loadVisitorTexts() {
  try {
    visitorTexts = await api.texts(navigator.language || 'en');
  } catch {
    visitorTexts = null;  // the hub cannot be reached: the page's own English stays
  }
  if (visitorTexts) setTexts(visitorTexts);
}

// A message for the sign-in form or the bar; without any words (the hub did not answer
// the first request) the reason alone.
function say(id, args = {}) {
  return hasTexts() ? t(id, args) : String(args.reason || '');
}

function freshState() {
  return {
    consumables: [], details: new Map(), detailAt: new Map(), detailStamp: new Map(),
    orders: [], ordersKey: '', deliveries: [], deliveriesKey: '',
    events: [], next: null, deliveredAt: new Map(),
    busy: new Set(), errors: new Map(),
  };
}

// ---- Signing in and out ---------------------------------------------------------------

// Shows the sign-in form with the message `id` (none when empty), in the visitor's words.
function showSignIn(id, args) {
  signedIn = false;
  if (visitorTexts) setTexts(visitorTexts);
  const message = id ? say(id, args) : '';
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
  ui.who.textContent = t(session.right === 'admin' ? 'dashboard.signed_in.admin' : 'dashboard.signed_in.read');
  startPolling();
}

function sessionEnded(error) {
  if (!signedIn) return;
  api.forget();
  if (error && error.message) showSignIn('dashboard.signed_out_because', { reason: error.message });
  else showSignIn('dashboard.session_ended');
}

ui.form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = ui.token.value.trim();
  if (!token) {
    ui.signinError.textContent = say('dashboard.signin.empty');
    ui.signinError.hidden = false;
    return;
  }
  ui.signinButton.disabled = true;
  try {
    const session = await api.signIn(token);
    setTexts(await api.dashboard());
    ui.token.value = '';
    showDashboard(session);
  } catch (e) {
    ui.signinError.textContent = e.status === 401 ? say('dashboard.signin.refused', { reason: e.message }) : e.message;
    ui.signinError.hidden = false;
  } finally {
    ui.signinButton.disabled = false;
  }
});

// Another tab of this browser signed in again with another token: the cookie they share
// now names a session of that right.
function rightChanged(right) {
  if (!signedIn || !right) return;
  ui.who.textContent = t(right === 'admin' ? 'dashboard.signed_in.admin' : 'dashboard.signed_in.read');
  drawOrders(true);
}

// Only the hub can end the session (its cookie is HttpOnly): when it refuses or does not
// answer, the session is still valid, so the dashboard stays and the bar says why.
ui.signout.addEventListener('click', async () => {
  ui.signout.disabled = true;
  try {
    await api.signOut();
    showSignIn('dashboard.signed_out');
  } catch (e) {
    if (signedIn) {
      ui.status.textContent = t('dashboard.signout_failed', { reason: e.message });
      ui.status.classList.add('stale');
    }
  } finally {
    ui.signout.disabled = false;
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
      ui.status.textContent = t('dashboard.sync.ok', { time: fmtClock(new Date()) });
      ui.status.classList.remove('stale');
    }
  } catch (e) {
    if (signedIn && e.status !== 401) {
      ui.status.textContent = t('dashboard.sync.stale', { reason: e.message });
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
  const failed = await refreshDetails();
  if (!signedIn) return;
  render();
  if (failed) throw failed;  // the rest is drawn; the bar says that a plot is not up to date
}

// A consumable's detail (history and forecast) is fetched again when its state changed,
// when an order of it changed, or when it is a minute old; one whose fetch failed, at the
// next poll. Returns the first failure (null when none): the plots fetched are kept.
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
    (d) => [c.id, d, null], (e) => { if (e.status === 401) throw e; return [c.id, null, e]; })));
  let failed = null;
  for (const [id, detail, error] of answers) {
    if (error) {
      state.detailStamp.delete(id);
      failed = failed || error;
      continue;
    }
    if (!detail) continue;
    state.details.set(id, detail);
    state.detailAt.set(id, now);
  }
  return failed;
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

// The hub's refusal in the household's words by its code (dashboard.refused.<code>), the hub's
// own message (English) inside it; a code without a message of its own: the hub's message.
function refusal(e) {
  const id = `dashboard.refused.${e.code}`;
  return has(id) ? t(id, { message: e.message }) : e.message;
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
    if (e.status !== 401) state.errors.set(id, t('dashboard.refused', { reason: refusal(e) }));
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
  await loadVisitorTexts();
  try {
    const session = await api.resume();
    if (session) {
      setTexts(await api.dashboard());
      showDashboard(session);
    } else {
      showSignIn('');
    }
  } catch (e) {
    if (e.status === 401) showSignIn('dashboard.session_ended');
    else showSignIn('dashboard.unreachable', { reason: e.message });
  }
}

start();
