// The dashboard's views: a card per consumable (facts and plot), the orders with their
// Cancel and Confirm buttons, the deliveries and the recent events. Views only draw what
// they are given; app.js fetches and decides. All text goes in through el()/svg() (text
// nodes), never as markup.
import { el, fill, fmtAmount, fmtDate, fmtDateTime, fmtDays, fmtMoney, fmtWindow, isNum } from './dom.js';
import { has, t, word } from './i18n.js';
import { drawPlot, plotModel } from './plot.js';

export const CANCELLABLE = new Set(['held', 'awaiting_confirmation', 'placing', 'placed']);
export const CONFIRMABLE = new Set(['held', 'awaiting_confirmation']);

// A status as a coloured badge: its class from the API value, its words from the catalog.
function badge(kind, status) {
  const s = String(status ?? 'unknown');
  return el('span', { class: `badge ${kind}-${s.replace(/[^a-z_]/g, '')}`, 'data-value': s },
    word(kind === 'status' ? 'status' : 'order_status', s));
}

function fact(label, value, cls) {
  return [el('dt', null, label), el('dd', cls ? { class: cls } : null, value)];
}

// The earliest best-before of what is held (the last good day: the date is the instant
// the pack is past it), and how many packs will not be used in time (docs/best-before.md).
function bestBefore(c) {
  const day = fmtDate(c.best_before - 1);
  if (!(isNum(c.expiring) && c.expiring > 0)) return day;
  return t('dashboard.expiring', { date: fmtDate((isNum(c.expiring_at) ? c.expiring_at : c.best_before) - 1),
    n: Math.round(c.expiring) });
}

// Orders that concern consumable `id` (any of their items).
export function ordersFor(orders, id) {
  return orders.filter((o) => o.consumable === id || (o.items || []).some((i) => i.consumable === id));
}

// ---- Consumable cards -------------------------------------------------------------

export class ConsumableCards {
  constructor(container) {
    this.container = container;
    this.cards = new Map();
    this.resize = new ResizeObserver((entries) => {
      for (const e of entries) {
        const card = [...this.cards.values()].find((c) => c.plotBox === e.target);
        if (card) this.drawPlot(card);
      }
    });
  }

  clear() {
    this.resize.disconnect();
    this.cards.clear();
    this.container.replaceChildren();
  }

  // list: GET /api/v1/consumables; details: Map id -> GET /api/v1/consumables/<id>.
  update(list, details, orders, deliveredAt, now) {
    const seen = new Set();
    let previous = null;
    for (const c of list) {
      seen.add(c.id);
      let card = this.cards.get(c.id);
      if (!card) {
        card = this.makeCard(c.id);
        this.cards.set(c.id, card);
        this.resize.observe(card.plotBox);
      }
      // Keep the configured order of the cards.
      const want = previous ? previous.root.nextSibling : this.container.firstChild;
      if (want !== card.root) this.container.insertBefore(card.root, want);
      previous = card;
      this.fillFacts(card, c);
      const detail = details.get(c.id);
      if (detail) {
        card.model = plotModel(detail, ordersFor(orders, c.id), deliveredAt, now);
        card.label = t('dashboard.plot.label', { name: c.name || c.id });
        const key = JSON.stringify(card.model.history.slice(-1)) + JSON.stringify(card.model.forecast.slice(0, 1)) +
          card.model.history.length + ':' + card.model.forecast.length + ':' + card.model.reorder + ':' +
          JSON.stringify(card.model.placed) + JSON.stringify(card.model.delivered) + ':' + Math.floor(now / 300);
        if (key !== card.key) {
          card.key = key;
          this.drawPlot(card);
        }
      }
    }
    for (const [id, card] of this.cards) {
      if (!seen.has(id)) {
        this.resize.unobserve(card.plotBox);
        card.root.remove();
        this.cards.delete(id);
      }
    }
  }

  makeCard(id) {
    const title = el('h3', { class: 'card-title' });
    const status = el('span', { class: 'card-status' });
    const facts = el('dl', { class: 'facts' });
    const plotBox = el('div', { class: 'plot' });
    const legend = el('ul', { class: 'legend', 'aria-hidden': 'true' },
      el('li', null, el('span', { class: 'swatch level' }), t('dashboard.legend.level')),
      el('li', null, el('span', { class: 'swatch median' }), t('dashboard.legend.forecast')),
      el('li', null, el('span', { class: 'swatch band' }), t('dashboard.legend.band')),
      el('li', null, el('span', { class: 'swatch reorder' }), t('dashboard.legend.reorder')),
      el('li', null, el('span', { class: 'swatch order' }), t('dashboard.legend.ordered')),
      el('li', null, el('span', { class: 'swatch delivery' }), t('dashboard.legend.delivered')));
    const root = el('article', { class: 'card', 'data-consumable': id },
      el('header', { class: 'card-head' }, title, status), facts, plotBox, legend);
    return { id, root, title, status, facts, plotBox, legend, key: null, width: 0, model: null };
  }

  fillFacts(card, c) {
    card.title.textContent = c.name || c.id;
    fill(card.status, badge('status', c.status));
    card.root.dataset.status = String(c.status);
    const level = isNum(c.capacity)
      ? t('dashboard.level_of', { level: fmtAmount(c.level, c.unit), capacity: fmtAmount(c.capacity, c.unit) })
      : fmtAmount(c.level, c.unit);
    let empty = t('dashboard.unknown');
    if (isNum(c.empty_at)) {
      empty = isNum(c.empty_at_low) && isNum(c.empty_at_high)
        ? t('dashboard.date_range', { date: fmtDate(c.empty_at), low: fmtDate(c.empty_at_low), high: fmtDate(c.empty_at_high) })
        : fmtDate(c.empty_at);
    }
    fill(card.facts,
      fact(t('dashboard.fact.days_left'), fmtDays(c.days_left), 'days-left'),
      fact(t('dashboard.fact.level'), level, 'level'),
      fact(t('dashboard.fact.on_hand'), isNum(c.on_hand) ? t('dashboard.packs', { n: Math.round(c.on_hand) }) : '–', 'on-hand'),
      fact(t('dashboard.fact.use'), isNum(c.rate_per_day)
        ? t('dashboard.per_day', { amount: fmtAmount(c.rate_per_day, c.unit) }) : t('dashboard.not_learned'), 'use'),
      fact(t('dashboard.fact.runs_out'), empty, 'runs-out'),
      isNum(c.best_before) && fact(t('dashboard.fact.best_before'), bestBefore(c), 'best-before'));
  }

  drawPlot(card) {
    if (!card.model) return;
    const width = Math.floor(card.plotBox.clientWidth);
    if (width <= 0) return;
    if (width === card.width && card.plotBox.dataset.key === card.key) return;
    card.width = width;
    card.plotBox.dataset.key = card.key;
    fill(card.plotBox, drawPlot(card.model, width, card.label));
  }
}

// ---- Orders -------------------------------------------------------------------------

function itemsText(o, names) {
  const items = o.items && o.items.length ? o.items : [{ consumable: o.consumable, quantity: o.quantity }];
  return items.map((i) => t('dashboard.order.item', { n: i.quantity ?? 1, item: names.get(i.consumable) || i.consumable }))
    .join(', ');
}

// opts: {admin, busy: Set, errors: Map, onCancel(id), onConfirm(id)}
export function renderOrders(container, orders, names, opts) {
  if (!orders.length) {
    fill(container, el('p', { class: 'empty' }, t('dashboard.no_orders')));
    return;
  }
  const rows = orders.slice(0, 50).map((o) => {
    const id = o.order_id;
    const busy = opts.busy.has(id);
    const actions = el('div', { class: 'actions' });
    // A cancel the retailer has not answered yet (202): asking again changes nothing.
    const asked = o.cancel_requested === true;
    if (opts.admin && CANCELLABLE.has(o.status) && !asked) {
      actions.appendChild(el('button', { type: 'button', class: 'cancel', disabled: busy, 'data-action': 'cancel',
        onclick: () => opts.onCancel(id) }, t('dashboard.order.cancel')));
    }
    if (opts.admin && CONFIRMABLE.has(o.status)) {
      actions.appendChild(el('button', { type: 'button', class: 'confirm', disabled: busy, 'data-action': 'confirm',
        onclick: () => opts.onConfirm(id) }, t('dashboard.order.confirm')));
    }
    const details = [];
    const price = fmtMoney(o.price, o.currency);
    if (price) details.push(el('span', { class: 'price' }, price));
    if (o.source) details.push(sourceText(o.source));
    if (isNum(o.placed_at)) details.push(t('dashboard.order.placed', { time: fmtDateTime(o.placed_at) }));
    if (isNum(o.eta)) details.push(t('dashboard.order.arrives', { time: fmtDateTime(o.eta) }));
    if (o.delivery && o.delivery.method) details.push(word('method', o.delivery.method));
    const error = opts.errors.get(id);
    return el('li', { class: 'order', 'data-order-id': id, 'data-status': o.status },
      el('div', { class: 'row-main' },
        el('span', { class: 'what' }, itemsText(o, names)),
        badge('order', o.status)),
      o.hold_reason ? el('p', { class: 'hold' }, t('dashboard.order.waiting', { reason: word('hold', o.hold_reason) })) : null,
      asked ? el('p', { class: 'hold cancel-requested' }, t('dashboard.order.cancel_requested')) : null,
      el('p', { class: 'meta' }, details.flatMap((d, i) => (i ? [' · ', d] : [d]))),
      el('p', { class: 'meta id' }, t('dashboard.order.id', { id })),
      actions.childNodes.length ? actions : null,
      error ? el('p', { class: 'error', role: 'alert' }, error) : null);
  });
  const more = orders.length > 50 ? el('p', { class: 'meta' }, t('dashboard.order.older', { n: orders.length - 50 })) : null;
  fill(container, el('ul', { class: 'rows' }, rows), more);
}

// ---- Deliveries ---------------------------------------------------------------------

// How an order came: "by the sensor", "per Knopf"; a source the catalog has no words for
// by its API value.
function sourceText(source) {
  const id = `dashboard.source.${source}`;
  return source !== 'other' && has(id) ? t(id) : t('dashboard.source.other', { source: String(source) });
}

export function renderDeliveries(container, deliveries, names) {
  if (!deliveries.length) {
    fill(container, el('p', { class: 'empty' }, t('dashboard.no_deliveries')));
    return;
  }
  const rows = deliveries.slice(0, 30).map((d) => {
    const reasons = Array.isArray(d.reasons) ? d.reasons : [];
    const access = d.access && d.access.state ? t('dashboard.delivery.access', { state: word('access', d.access.state) }) : null;
    return el('li', { class: 'delivery', 'data-order-id': d.order_id, 'data-method': d.method },
      el('div', { class: 'row-main' },
        el('span', { class: 'what' }, t('dashboard.delivery.what', {
          item: names.get(d.consumable) || d.consumable || t('dashboard.delivery.order'),
          method: d.method ? word('method', d.method) : '' }).trim()),
        badge('order', d.status)),
      el('p', { class: 'meta' }, t('dashboard.delivery.window', { window: fmtWindow(d.window) }),
        d.place ? ` · ${t('dashboard.delivery.place', { place: d.place })}` : '', access ? ` · ${access}` : ''),
      reasons.length ? el('ul', { class: 'reasons' }, reasons.map((r) => el('li', null, String(r)))) : null);
  });
  fill(container, el('ul', { class: 'rows' }, rows));
}

// ---- Events -------------------------------------------------------------------------

export function renderEvents(container, events) {
  if (!events.length) {
    fill(container, el('p', { class: 'empty' }, t('dashboard.no_events')));
    return;
  }
  const rows = events.slice().reverse().map((e) =>
    el('li', { class: 'event', 'data-seq': e.seq, 'data-kind': e.kind },
      el('time', { datetime: isNum(e.ts) ? new Date(e.ts * 1000).toISOString() : null }, fmtDateTime(e.ts)),
      el('span', { class: 'kind' }, word('event', e.kind)),
      el('span', { class: 'text' }, e.text || '')));
  fill(container, el('ul', { class: 'rows events' }, rows));
}
