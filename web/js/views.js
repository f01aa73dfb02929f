// The dashboard's views: a card per consumable (facts and plot), the orders with their
// Cancel and Confirm buttons, the deliveries and the recent events. Views only draw what
// they are given; app.js fetches and decides. All text goes in through el()/svg() (text
// nodes), never as markup.
import { el, fill, fmtAmount, fmtDate, fmtDateTime, fmtDays, fmtMoney, fmtWindow, fmtNumber, isNum } from './dom.js';
import { drawPlot, plotModel } from './plot.js';

const STATUS_TEXT = {
  unknown: 'unknown', ok: 'ok', low: 'low', ordered: 'ordered', empty: 'empty',
};
export const CANCELLABLE = new Set(['held', 'awaiting_confirmation', 'placing', 'placed']);
export const CONFIRMABLE = new Set(['held', 'awaiting_confirmation']);

function badge(kind, status) {
  const s = String(status ?? 'unknown');
  return el('span', { class: `badge ${kind}-${s.replace(/[^a-z_]/g, '')}` }, s.replace(/_/g, ' '));
}

function fact(label, value, cls) {
  return [el('dt', null, label), el('dd', cls ? { class: cls } : null, value)];
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
        card.label = `${c.name || c.id}: level over time`;
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
      el('li', null, el('span', { class: 'swatch level' }), 'level'),
      el('li', null, el('span', { class: 'swatch median' }), 'forecast (supply)'),
      el('li', null, el('span', { class: 'swatch band' }), '90% band'),
      el('li', null, el('span', { class: 'swatch reorder' }), 'reorder point'),
      el('li', null, el('span', { class: 'swatch order' }), 'ordered'),
      el('li', null, el('span', { class: 'swatch delivery' }), 'delivered'));
    const root = el('article', { class: 'card', 'data-consumable': id },
      el('header', { class: 'card-head' }, title, status), facts, plotBox, legend);
    return { id, root, title, status, facts, plotBox, legend, key: null, width: 0, model: null };
  }

  fillFacts(card, c) {
    card.title.textContent = c.name || c.id;
    fill(card.status, badge('status', STATUS_TEXT[c.status] || c.status));
    card.root.dataset.status = String(c.status);
    const level = isNum(c.capacity)
      ? `${fmtAmount(c.level, c.unit)} of ${fmtAmount(c.capacity, c.unit)}`
      : fmtAmount(c.level, c.unit);
    const empty = isNum(c.empty_at)
      ? `${fmtDate(c.empty_at)}${isNum(c.empty_at_low) && isNum(c.empty_at_high)
        ? ` (${fmtDate(c.empty_at_low)} – ${fmtDate(c.empty_at_high)})` : ''}`
      : 'unknown';
    fill(card.facts,
      fact('Days left', fmtDays(c.days_left), 'days-left'),
      fact('Level', level, 'level'),
      fact('On hand', isNum(c.on_hand) ? `${fmtNumber(c.on_hand, 0)} ${c.on_hand === 1 ? 'pack' : 'packs'}` : '–', 'on-hand'),
      fact('Use', isNum(c.rate_per_day) ? `${fmtAmount(c.rate_per_day, c.unit)} a day` : 'not learned yet'),
      fact('Runs out', empty));
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
  return items.map((i) => `${i.quantity ?? 1} × ${names.get(i.consumable) || i.consumable}`).join(', ');
}

// opts: {admin, busy: Set, errors: Map, onCancel(id), onConfirm(id)}
export function renderOrders(container, orders, names, opts) {
  if (!orders.length) {
    fill(container, el('p', { class: 'empty' }, 'No orders yet.'));
    return;
  }
  const rows = orders.slice(0, 50).map((o) => {
    const id = o.order_id;
    const busy = opts.busy.has(id);
    const actions = el('div', { class: 'actions' });
    if (opts.admin && CANCELLABLE.has(o.status)) {
      actions.appendChild(el('button', { type: 'button', class: 'cancel', disabled: busy, 'data-action': 'cancel',
        onclick: () => opts.onCancel(id) }, 'Cancel'));
    }
    if (opts.admin && CONFIRMABLE.has(o.status)) {
      actions.appendChild(el('button', { type: 'button', class: 'confirm', disabled: busy, 'data-action': 'confirm',
        onclick: () => opts.onConfirm(id) }, 'Confirm'));
    }
    const details = [];
    const price = fmtMoney(o.price, o.currency);
    if (price) details.push(price);
    if (o.source) details.push(`by ${o.source}`);
    if (isNum(o.placed_at)) details.push(`placed ${fmtDateTime(o.placed_at)}`);
    if (isNum(o.eta)) details.push(`arrives ${fmtDateTime(o.eta)}`);
    if (o.delivery && o.delivery.method) details.push(`to the ${o.delivery.method}`);
    const error = opts.errors.get(id);
    return el('li', { class: 'order', 'data-order-id': id, 'data-status': o.status },
      el('div', { class: 'row-main' },
        el('span', { class: 'what' }, itemsText(o, names)),
        badge('order', o.status)),
      o.hold_reason ? el('p', { class: 'hold' }, `Waiting for confirmation: ${o.hold_reason.replace(/_/g, ' ')}`) : null,
      el('p', { class: 'meta' }, details.join(' · ')),
      el('p', { class: 'meta id' }, `Order ${id}`),
      actions.childNodes.length ? actions : null,
      error ? el('p', { class: 'error', role: 'alert' }, error) : null);
  });
  const more = orders.length > 50 ? el('p', { class: 'meta' }, `and ${orders.length - 50} older orders`) : null;
  fill(container, el('ul', { class: 'rows' }, rows), more);
}

// ---- Deliveries ---------------------------------------------------------------------

const METHOD_TEXT = { trunk: 'into the car’s trunk', doorstep: 'to the doorstep' };

export function renderDeliveries(container, deliveries, names) {
  if (!deliveries.length) {
    fill(container, el('p', { class: 'empty' }, 'No deliveries planned.'));
    return;
  }
  const rows = deliveries.slice(0, 30).map((d) => {
    const reasons = Array.isArray(d.reasons) ? d.reasons : [];
    const access = d.access && d.access.state ? `trunk access: ${String(d.access.state).replace(/_/g, ' ')}` : null;
    return el('li', { class: 'delivery', 'data-order-id': d.order_id, 'data-method': d.method },
      el('div', { class: 'row-main' },
        el('span', { class: 'what' }, `${names.get(d.consumable) || d.consumable || 'Order'} ${METHOD_TEXT[d.method] || d.method || ''}`),
        badge('order', d.status)),
      el('p', { class: 'meta' }, `Window: ${fmtWindow(d.window)}`, d.place ? ` · at ${d.place}` : '', access ? ` · ${access}` : ''),
      reasons.length ? el('ul', { class: 'reasons' }, reasons.map((r) => el('li', null, String(r)))) : null);
  });
  fill(container, el('ul', { class: 'rows' }, rows));
}

// ---- Events -------------------------------------------------------------------------

export function renderEvents(container, events) {
  if (!events.length) {
    fill(container, el('p', { class: 'empty' }, 'Nothing has happened yet.'));
    return;
  }
  const rows = events.slice().reverse().map((e) =>
    el('li', { class: 'event', 'data-seq': e.seq, 'data-kind': e.kind },
      el('time', { datetime: isNum(e.ts) ? new Date(e.ts * 1000).toISOString() : null }, fmtDateTime(e.ts)),
      el('span', { class: 'kind' }, String(e.kind || '').replace(/_/g, ' ')),
      el('span', { class: 'text' }, e.text || '')));
  fill(container, el('ul', { class: 'rows events' }, rows));
}
