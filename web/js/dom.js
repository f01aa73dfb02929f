// Small DOM and formatting helpers of the dashboard. Every text goes in through
// textContent or a text node, never as markup: data from the hub is never parsed as HTML.
// No inline styles either (the page runs under "Content-Security-Policy: default-src 'self'"):
// looks come from classes in style.css.

import { settings, t, word } from './i18n.js';

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
// In the household's locale and time zone (i18n.js settings), with Intl: "3. Dez., 14:05",
// "412,5 g", "8,99 €" for de-DE; "3 Dec, 14:05", "412.5 g", "€8.99" for en-GB.

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
export { isNum };

let formats = null;
function fmt() {
  if (formats && formats.version === settings.version) return formats;
  const { locale, timeZone } = settings;
  formats = {
    version: settings.version,
    date: new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone }),
    dateTime: new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone }),
    time: new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', timeZone }),
    timeSec: new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone }),
    // The zone's wall clock, as numbers (for days and hours in the zone).
    parts: new Intl.DateTimeFormat('en-US', {
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric',
      second: 'numeric', hourCycle: 'h23', timeZone,
    }),
    numbers: new Map(),
    money: new Map(),
  };
  return formats;
}

// Epoch seconds as "3 Nov".
export function fmtDate(ts) {
  return isNum(ts) ? fmt().date.format(new Date(ts * 1000)) : '–';
}

// Epoch seconds as "3 Nov, 14:05".
export function fmtDateTime(ts) {
  return isNum(ts) ? fmt().dateTime.format(new Date(ts * 1000)) : '–';
}

// Epoch seconds as "14:05".
export function fmtTime(ts) {
  return isNum(ts) ? fmt().time.format(new Date(ts * 1000)) : '–';
}

export function fmtClock(date) {
  return fmt().timeSec.format(date);
}

// The zone's offset from UTC at `ms` (epoch milliseconds), in milliseconds.
function zoneOffset(ms) {
  const p = {};
  for (const part of fmt().parts.formatToParts(new Date(ms))) p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second);
  return wall - Math.floor(ms / 1000) * 1000;
}

// Epoch seconds of midnight in the household's zone: of the day that holds `ts`, moved by
// `days` days (right across summer time changes).
export function zoneMidnight(ts, days = 0) {
  const wall = new Date(ts * 1000 + zoneOffset(ts * 1000));
  const target = Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate() + days);
  let guess = target - zoneOffset(target);
  guess = target - zoneOffset(guess);
  return guess / 1000;
}

// Epoch seconds of the start of the zone's hour that holds `ts`.
export function zoneHour(ts) {
  const off = zoneOffset(ts * 1000);
  return (Math.floor((ts * 1000 + off) / 3600000) * 3600000 - off) / 1000;
}

// A window {start, end} as "3 Nov, 14:00–16:00" (or two full times across days).
export function fmtWindow(w) {
  if (!w || !isNum(w.start) || !isNum(w.end)) return t('dashboard.window_unknown');
  if (zoneMidnight(w.start) === zoneMidnight(w.end)) return `${fmtDateTime(w.start)}–${fmtTime(w.end)}`;
  return `${fmtDateTime(w.start)} – ${fmtDateTime(w.end)}`;
}

// A number with at most `digits` decimals, trailing zeros dropped.
export function fmtNumber(v, digits = 1) {
  if (!isNum(v)) return '–';
  const f = fmt();
  if (!f.numbers.has(digits)) {
    f.numbers.set(digits, new Intl.NumberFormat(settings.locale, { maximumFractionDigits: digits }));
  }
  return f.numbers.get(digits).format(v);
}

// A unit's symbol in the page's language ("pcs", "Stk.").
export function fmtUnit(unit) {
  return unit ? word('unit', unit) : '';
}

// A quantity with its unit: "412.5 g".
export function fmtAmount(v, unit) {
  if (!isNum(v)) return '–';
  const digits = Math.abs(v) >= 100 ? 0 : 1;
  return unit ? `${fmtNumber(v, digits)} ${fmtUnit(unit)}` : fmtNumber(v, digits);
}

export function fmtDays(d) {
  if (!isNum(d)) return t('dashboard.unknown');
  if (d < 1) return t('dashboard.less_than_a_day');
  const digits = d < 10 ? 1 : 0;
  const shown = Math.round(d * 10 ** digits) / 10 ** digits;
  return t('dashboard.days', { n: shown });
}

// Money in its currency (the order's, else the household's): "€8.99", "8,99 €", "CHF 8.99".
export function fmtMoney(amount, currency) {
  if (!isNum(amount)) return null;
  const code = currency || settings.currency;
  const f = fmt();
  if (code && !f.money.has(code)) {
    try {
      f.money.set(code, new Intl.NumberFormat(settings.locale, { style: 'currency', currency: code }));
    } catch {
      f.money.set(code, null);  // not an ISO code: the number and the code below
    }
  }
  const money = code ? f.money.get(code) : null;
  if (money) return money.format(amount);
  return `${fmtNumber(amount, 2)}${code ? ` ${code}` : ''}`;
}
