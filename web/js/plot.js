// The level plot of one consumable, drawn as SVG by hand: the container level's history,
// the forecast of the whole supply (median line, 90% band shaded), the reorder point, and
// marks for orders placed and deliveries. Drawn at the pixel width of its container (so
// the labels keep their size on a phone) and drawn again when that width changes.
import { svg, fmtDate, fmtTime, fmtNumber, fmtUnit, isNum, zoneHour, zoneMidnight } from './dom.js';
import { t } from './i18n.js';

const DAY = 86400;
const MAX_FUTURE_DAYS = 60;  // the forecast is clipped here, so the past stays readable
let clipSeq = 0;

// Scales an interval [d0, d1] onto [r0, r1].
function scale(d0, d1, r0, r1) {
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

// "Nice" ticks from 0 to at least max: about `count` steps of 1, 2, 2.5 or 5 times a power of ten.
function valueTicks(max, count) {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw) || raw;
  const ticks = [];
  // Up to the first tick at or above max, so the top of the axis holds every value.
  for (let v = 0; ticks.length === 0 || ticks[ticks.length - 1] < max - step * 1e-9; v += step) ticks.push(v);
  return ticks;
}

// Time ticks at midnights of the household's zone (or whole hours for short spans), about
// `px` pixels apart.
function timeTicks(t0, t1, widthPx, px) {
  const span = t1 - t0;
  const wanted = Math.max(2, Math.floor(widthPx / px));
  const steps = [3600, 3 * 3600, 6 * 3600, 12 * 3600, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY];
  const step = steps.find((s) => span / s <= wanted) || 56 * DAY;
  const ticks = [];
  if (step < DAY) {
    for (let t = zoneHour(t0); t <= t1; t += step) if (t >= t0) ticks.push({ t, hours: true });
  } else {
    const days = step / DAY;
    for (let i = 0, t = zoneMidnight(t0); t <= t1; i += days, t = zoneMidnight(t0, i)) {
      if (t >= t0) ticks.push({ t, hours: false });
    }
  }
  return ticks;
}

const pathOf = (pts) => pts.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`).join('');

// Everything the plot needs from the consumable's detail and its orders, in numbers.
export function plotModel(detail, orders, deliveredAt, now) {
  const history = (detail.history || []).filter((p) => isNum(p[0]) && isNum(p[1]));
  const forecast = (detail.forecast || []).filter((p) => p.slice(0, 4).every(isNum));
  const placed = [];
  const delivered = [];
  for (const o of orders) {
    if (isNum(o.placed_at)) placed.push({ t: o.placed_at, id: o.order_id });
    if (o.status === 'delivered') {
      const t = deliveredAt.get(o.order_id) ?? o.eta ?? o.delivery?.window?.end;
      if (isNum(t)) delivered.push({ t, id: o.order_id, expected: false });
    } else if (!['cancelled', 'failed'].includes(o.status)) {
      const t = o.eta ?? o.delivery?.window?.end;
      if (isNum(t)) delivered.push({ t, id: o.order_id, expected: true });
    }
  }
  return {
    unit: detail.unit || '',
    capacity: isNum(detail.capacity) ? detail.capacity : null,
    reorder: isNum(detail.reorder_point) ? detail.reorder_point : null,
    history, forecast, placed, delivered, now,
  };
}

// The SVG of `model` for a plot `width` pixels wide.
export function drawPlot(model, width, label) {
  const narrow = width < 480;
  const height = narrow ? 210 : 250;
  const m = { left: narrow ? 40 : 48, right: 12, top: 22, bottom: 28 };
  const w = Math.max(120, width);
  const root = svg('svg', {
    class: 'plot-svg', width: w, height, viewBox: `0 0 ${w} ${height}`,
    role: 'img', 'aria-label': label,
  });
  const { history, forecast, now } = model;
  if (!history.length && !forecast.length) {
    root.appendChild(svg('text', { class: 'plot-empty', x: w / 2, y: height / 2, 'text-anchor': 'middle' },
      t('dashboard.plot.no_readings')));
    return root;
  }

  // Domains: from the first reading to the forecast's end (at most 60 days ahead), now included.
  let t0 = Math.min(...history.map((p) => p[0]), ...forecast.map((p) => p[0]), now);
  let t1 = Math.max(now, ...history.map((p) => p[0]), ...forecast.map((p) => p[0]));
  t1 = Math.min(t1, now + MAX_FUTURE_DAYS * DAY);
  if (t1 - t0 < 3600) { t0 -= 1800; t1 += 1800; }
  const pad = (t1 - t0) * 0.02;
  t1 += pad;
  const inRange = (t) => t >= t0 && t <= t1;
  const tops = [model.capacity || 0, model.reorder || 0, ...history.map((p) => p[1]),
    ...forecast.filter((p) => p[0] <= t1).map((p) => p[3])];
  const yTicks = valueTicks(Math.max(...tops, 1), narrow ? 4 : 5);
  const yMax = yTicks[yTicks.length - 1];

  const x = scale(t0, t1, m.left, w - m.right);
  const y = scale(0, yMax, height - m.bottom, m.top);
  const clipId = `plot-clip-${++clipSeq}`;
  root.appendChild(svg('defs', null, svg('clipPath', { id: clipId },
    svg('rect', { x: m.left, y: m.top - 2, width: w - m.left - m.right, height: height - m.top - m.bottom + 2 }))));

  // Grid and axes.
  const grid = svg('g', { class: 'grid' });
  const axis = svg('g', { class: 'axis' });
  for (const v of yTicks) {
    grid.appendChild(svg('line', { x1: m.left, x2: w - m.right, y1: y(v), y2: y(v) }));
    axis.appendChild(svg('text', { x: m.left - 5, y: y(v) + 4, 'text-anchor': 'end' }, fmtNumber(v, 1)));
  }
  axis.appendChild(svg('text', { class: 'unit', x: m.left - 5, y: m.top - 9, 'text-anchor': 'end' }, fmtUnit(model.unit)));
  for (const tick of timeTicks(t0, t1, w - m.left - m.right, narrow ? 62 : 80)) {
    grid.appendChild(svg('line', { x1: x(tick.t), x2: x(tick.t), y1: m.top, y2: height - m.bottom }));
    axis.appendChild(svg('text', { x: x(tick.t), y: height - m.bottom + 16, 'text-anchor': 'middle' },
      tick.hours ? fmtTime(tick.t) : fmtDate(tick.t)));
  }
  axis.appendChild(svg('line', { class: 'baseline', x1: m.left, x2: w - m.right, y1: y(0), y2: y(0) }));
  root.append(grid, axis);

  const data = svg('g', { 'clip-path': `url(#${clipId})` });
  if (forecast.length) {
    const upper = forecast.map((p) => [x(p[0]), y(p[3])]);
    const lower = forecast.map((p) => [x(p[0]), y(p[2])]).reverse();
    data.appendChild(svg('path', { class: 'band', d: `${pathOf(upper)}L${pathOf(lower).slice(1)}Z`,
      'data-points': forecast.length }));
    data.appendChild(svg('path', { class: 'median', d: pathOf(forecast.map((p) => [x(p[0]), y(p[1])])),
      'data-points': forecast.length }));
  }
  if (history.length) {
    const pts = history.map((p) => [x(p[0]), y(p[1])]);
    if (pts.length === 1) pts.push([pts[0][0] + 1, pts[0][1]]);
    data.appendChild(svg('path', { class: 'level', d: pathOf(pts), 'data-points': history.length }));
  }
  root.appendChild(data);

  // Reorder point, now, orders and deliveries.
  const marks = svg('g', { class: 'marks' });
  if (model.reorder !== null && model.reorder <= yMax) {
    const ry = y(model.reorder);
    marks.appendChild(svg('line', { class: 'reorder', x1: m.left, x2: w - m.right, y1: ry, y2: ry }));
    marks.appendChild(svg('text', { class: 'reorder-label', x: w - m.right - 2, y: ry - 4, 'text-anchor': 'end' },
      t('dashboard.plot.reorder', { n: fmtNumber(model.reorder, 1) })));
  }
  if (inRange(now)) {
    marks.appendChild(svg('line', { class: 'now', x1: x(now), x2: x(now), y1: m.top, y2: height - m.bottom }));
    marks.appendChild(svg('text', { class: 'now-label', x: x(now), y: m.top - 9, 'text-anchor': 'middle' }, t('dashboard.plot.now')));
  }
  const base = height - m.bottom;
  for (const p of model.placed.filter((q) => inRange(q.t))) {
    const px = x(p.t);
    marks.appendChild(svg('line', { class: 'order-mark', x1: px, x2: px, y1: m.top, y2: base }));
    marks.appendChild(svg('path', { class: 'order-tip', d: `M${px - 5} ${m.top}L${px + 5} ${m.top}L${px} ${m.top + 7}Z` },
      svg('title', null, t('dashboard.plot.ordered', { time: `${fmtDate(p.t)} ${fmtTime(p.t)}` }))));
  }
  for (const d of model.delivered.filter((q) => inRange(q.t))) {
    const px = x(d.t);
    marks.appendChild(svg('line', { class: d.expected ? 'delivery-mark expected' : 'delivery-mark', x1: px, x2: px, y1: m.top, y2: base }));
    marks.appendChild(svg('path', { class: d.expected ? 'delivery-tip expected' : 'delivery-tip', d: `M${px} ${base - 8}L${px + 5} ${base}L${px - 5} ${base}Z` },
      svg('title', null, t(d.expected ? 'dashboard.plot.expected' : 'dashboard.plot.delivered',
        { time: `${fmtDate(d.t)} ${fmtTime(d.t)}` }))));
  }
  root.appendChild(marks);
  return root;
}
