// The dashboard's words and formats (docs/dashboard.md, docs/languages.md). Every word the
// page shows is a `dashboard.*` message of the hub's catalogs (locales/<language>.json),
// served by GET /api/v1/dashboard (the household's language, locale, currency and zone,
// after signing in) or GET /api/v1/dashboard/texts?lang= (the browser's language, for the
// sign-in form). A message is a template with {placeholders}, or plural forms
// {"by": "n", "one": "...", "other": "..."}: "one" when the number shown is exactly 1.
// API values (statuses, kinds, reasons) never change: only what is shown for them does.

export const settings = {
  locale: 'en',         // the BCP 47 tag numbers and dates are formatted in
  currency: null,       // the household's ISO 4217 code, for money without its own
  timeZone: undefined,  // the household's IANA zone; undefined: the browser's
  version: 0,           // changes with each setTexts (formats are made again)
};
let messages = {};

function validLocale(tag) {
  try {
    return tag ? Intl.getCanonicalLocales(tag)[0] : null;
  } catch {
    return null;
  }
}

function validZone(zone) {
  if (!zone) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return undefined;  // a zone this browser does not know: its own
  }
}

// Takes the answer of GET /api/v1/dashboard (or /texts: language and messages only) and
// words the page's fixed elements (`data-text` attributes) again.
export function setTexts(answer) {
  const a = answer || {};
  messages = a.messages && typeof a.messages === 'object' ? a.messages : {};
  settings.locale = validLocale(a.locale) || validLocale(a.language) || 'en';
  settings.currency = typeof a.currency === 'string' ? a.currency : null;
  settings.timeZone = validZone(a.timezone);
  settings.version += 1;
  document.documentElement.lang = settings.locale;
  for (const node of document.querySelectorAll('[data-text]')) {
    if (messages[node.dataset.text] !== undefined) node.textContent = t(node.dataset.text);
  }
}

export function hasTexts() {
  return Object.keys(messages).length > 0;
}

export function has(id) {
  return messages[id] !== undefined && messages[id] !== null;
}

let argNumber = null;
let argVersion = -1;
function shown(v) {
  if (typeof v !== 'number') return String(v ?? '');
  if (argVersion !== settings.version) {
    argNumber = new Intl.NumberFormat(settings.locale, { maximumFractionDigits: 1 });
    argVersion = settings.version;
  }
  return argNumber.format(v);
}

// The message `id` with its placeholders filled from `args`. A number is written in the
// locale with at most one decimal and decides a plural form; pass it rounded for fewer.
// A message the catalog lacks comes out as its id in brackets (as the hub's own texts).
export function t(id, args = {}) {
  const m = messages[id];
  if (m === undefined || m === null) return `[${id}]`;
  let template = m;
  if (typeof m === 'object') {
    const v = args[m.by];
    const count = typeof v === 'number' ? Math.round(v * 10) / 10 : Number(v);
    template = count === 1 ? m.one : m.other;
  }
  return String(template).replace(/\{([A-Za-z_]+)\}/g,
    (whole, name) => (Object.prototype.hasOwnProperty.call(args, name) ? shown(args[name]) : whole));
}

// The words for an API value of a closed set (a status, a kind): `dashboard.<group>.<value>`,
// or the value itself with spaces for underscores when the catalog has no words for it.
export function word(group, value) {
  const v = String(value ?? '');
  const id = `dashboard.${group}.${v}`;
  return has(id) ? t(id) : v.replace(/_/g, ' ');
}
