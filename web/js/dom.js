// Small DOM and formatting helpers of the dashboard. Every text goes in through
// textContent or a text node, never as markup: data from the hub is never parsed as HTML.
// No inline styles either (the page runs under "Content-Security-Policy: default-src 'self'"):
// looks come from classes in style.css.

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(node, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(node, c);
    else if (c instanceof Node) node.appendChild(c);
    else node.appendChild(document.createTextNode(String(c)));
  }
}

function setAttrs(node, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.setAttribute('class', v);
    else if (k === 'text') node.textContent = String(v);
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
}

// el('p', {class: 'x'}, 'text', child, ...): an HTML element.
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

// svg('path', {d: ...}, ...children): an SVG element.
export function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

// Replaces the children of `node` with `children`.
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

// ---- Formatting -----------------------------------------------------------------------

const dateFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, {
  day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit',
});
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const timeSecFmt = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit', minute: '2-digit', second: '2-digit',
});

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
export { isNum };

// Epoch seconds as "3 Nov".
export function fmtDate(ts) {
  return isNum(ts) ? dateFmt.format(new Date(ts * 1000)) : '–';
}

// Epoch seconds as "3 Nov, 14:05".
export function fmtDateTime(ts) {
  return isNum(ts) ? dateTimeFmt.format(new Date(ts * 1000)) : '–';
}

// Epoch seconds as "14:05".
export function fmtTime(ts) {
  return isNum(ts) ? timeFmt.format(new Date(ts * 1000)) : '–';
}

export function fmtClock(date) {
  return timeSecFmt.format(date);
}

// A window {start, end} as "3 Nov, 14:00–16:00" (or two full times across days).
export function fmtWindow(w) {
  if (!w || !isNum(w.start) || !isNum(w.end)) return 'not known yet';
  const a = new Date(w.start * 1000);
  const b = new Date(w.end * 1000);
  if (a.toDateString() === b.toDateString()) return `${fmtDateTime(w.start)}–${fmtTime(w.end)}`;
  return `${fmtDateTime(w.start)} – ${fmtDateTime(w.end)}`;
}

// A number with at most `digits` decimals, trailing zeros dropped.
export function fmtNumber(v, digits = 1) {
  if (!isNum(v)) return '–';
  return new Intl.NumberFormat(undefined, { maximumFractionDigits: digits }).format(v);
}

// A quantity with its unit: "412.5 g".
export function fmtAmount(v, unit) {
  if (!isNum(v)) return '–';
  const digits = Math.abs(v) >= 100 ? 0 : 1;
  return unit ? `${fmtNumber(v, digits)} ${unit}` : fmtNumber(v, digits);
}

export function fmtDays(d) {
  if (!isNum(d)) return 'unknown';
  if (d < 1) return 'less than a day';
  const digits = d < 10 ? 1 : 0;
  return `${fmtNumber(d, digits)} ${d === 1 ? 'day' : 'days'}`;
}

export function fmtMoney(amount, currency) {
  if (!isNum(amount)) return null;
  try {
    if (currency) return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(amount);
  } catch {
    // an unknown currency code: plain number below
  }
  return `${fmtNumber(amount, 2)}${currency ? ` ${currency}` : ''}`;
}
