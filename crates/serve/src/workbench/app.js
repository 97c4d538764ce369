// spreiding werkbank: the page on `spreiding serve`. Plain JavaScript on the service's API
// (/v1/...), no libraries, nothing from other origins. Every number shown comes from the API:
// the page only sums a municipality's two commodities and divides by its population.
'use strict';

// ---------------------------------------------------------------------------------------------
// Numbers, colours, classes (the same scales as the decision dossier's maps)

const INT = new Intl.NumberFormat('nl-NL', { maximumFractionDigits: 0 });
const DEC2 = new Intl.NumberFormat('nl-NL', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const DEC1 = new Intl.NumberFormat('nl-NL', { maximumFractionDigits: 1 });
const int = (v) => INT.format(v);
const dec2 = (v) => DEC2.format(v);
const signed = (v) => (v > 0 ? '+' + INT.format(v) : v < 0 ? '−' + INT.format(-v) : '0');

// ColorBrewer YlGnBu (sequential) and PuOr (diverging): both read in greyscale and for the
// common kinds of colour blindness.
const PALETTE = ['#ffffcc', '#a1dab4', '#41b6c4', '#2c7fb8', '#253494'];
const DIVERGING = ['#e66101', '#fdb863', '#f7f7f7', '#b2abd2', '#5e3c99'];
const NO_DATA = '#d9d9d9';
const STATUS = {
  closes: { label: 'sluit', colour: '#ffffcc' },
  allocated: { label: 'tekort verdeeld', colour: '#41b6c4' },
  infeasible: { label: 'niet haalbaar binnen de plafonds', colour: '#253494' },
};
const REASON = {
  excluded: 'uitgezonderd',
  ineligible: 'geteld aantal haalt het indicatieve aantal',
  'province-closes': 'provincie sluit',
  'zero-key': 'sleutel is 0',
  interior: 'op het niveau van de provincie',
  capped: 'op het plafond',
  'above-level': 'al boven het niveau',
  limited: 'begrensd door de COROP-balans',
  'infeasible-capped': 'provincie niet haalbaar: vol plafond',
};
const COMMODITY = { regular: 'regulier', amv: 'amv' };

// Upper bounds at the quantiles (equal counts), fewer when values repeat; as the dossier.
function quantileClasses(values, format) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  const bounds = [];
  if (v.length) {
    for (let k = 1; k <= PALETTE.length; k++) {
      const b = v[Math.ceil((k * v.length) / PALETTE.length) - 1];
      if (!bounds.length || b > bounds[bounds.length - 1]) bounds.push(b);
    }
  }
  const n = bounds.length;
  return bounds.map((b, k) => ({
    upper: b,
    label: k === 0 ? 't/m ' + format(b) : format(bounds[k - 1]) + ' – ' + format(b),
    colour: PALETTE[n <= 1 ? PALETTE.length - 1 : Math.floor((k * (PALETTE.length - 1)) / (n - 1))],
  }));
}

// Equal in the middle; on each side a class up to the median size of that side, one beyond.
function differenceClasses(values, format) {
  const EQUAL = 1e-9;
  const median = (side) => {
    side.sort((a, b) => a - b);
    return side.length ? side[Math.floor((side.length - 1) / 2)] : undefined;
  };
  const finite = values.filter(Number.isFinite);
  const less = median(finite.filter((v) => v < -EQUAL).map(Math.abs));
  const more = median(finite.filter((v) => v > EQUAL).map(Math.abs));
  const classes = [];
  if (less !== undefined) {
    classes.push({ upper: -less, label: format(-less) + ' of minder', colour: DIVERGING[0] });
    classes.push({ upper: -EQUAL, label: 'minder, tot ' + format(-less), colour: DIVERGING[1] });
  }
  classes.push({ upper: EQUAL, label: 'gelijk', colour: DIVERGING[2] });
  if (more !== undefined) {
    classes.push({ upper: more, label: 'meer, t/m ' + format(more), colour: DIVERGING[3] });
    classes.push({ upper: Infinity, label: 'meer dan ' + format(more), colour: DIVERGING[4] });
  }
  return classes;
}

function classOf(classes, value) {
  const i = classes.findIndex((c) => value <= c.upper);
  return i < 0 ? classes.length - 1 : i;
}

// ---------------------------------------------------------------------------------------------
// The API

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'spreiding-token';

class Problem extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

let tokenPrompt = null;

// Asks for the token once (concurrent requests wait for the same answer); kept for the tab.
function askToken(message) {
  if (!tokenPrompt) {
    tokenPrompt = new Promise((resolve) => {
      const dialog = $('token-dialog');
      $('token-error').textContent = message || '';
      $('token-input').value = '';
      const submit = (e) => {
        e.preventDefault();
        const token = $('token-input').value.trim();
        if (!token) return;
        sessionStorage.setItem(TOKEN_KEY, token);
        $('token-form').removeEventListener('submit', submit);
        dialog.close();
        tokenPrompt = null;
        resolve();
      };
      $('token-form').addEventListener('submit', submit);
      dialog.addEventListener('cancel', (e) => e.preventDefault(), { once: true });
      dialog.showModal();
      $('token-input').focus();
    });
  }
  return tokenPrompt;
}

function authHeaders() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: 'Bearer ' + token } : {};
}

async function problemText(r) {
  try {
    const p = await r.json();
    if (p.problems && p.problems.length) {
      return p.problems.map((x) => (x.field ? x.field + ': ' : '') + x.message).join('; ');
    }
    return p.detail || r.statusText;
  } catch {
    return r.status + ' ' + r.statusText;
  }
}

async function api(path, options = {}) {
  for (;;) {
    const headers = authHeaders();
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(path, {
      method: options.method || 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    if (r.status === 401) {
      const had = sessionStorage.getItem(TOKEN_KEY);
      sessionStorage.removeItem(TOKEN_KEY);
      await askToken(had ? 'Dit token is niet geldig; probeer het opnieuw.' : '');
      continue;
    }
    if (!r.ok) throw new Problem(r.status, await problemText(r));
    return r;
  }
}

const apiJson = async (path, options) => (await api(path, options)).json();

function setStatus(text, error) {
  const s = $('status');
  s.textContent = text;
  s.classList.toggle('error', Boolean(error));
}

// ---------------------------------------------------------------------------------------------
// Maps: one SVG per view, paths built once, recoloured on every change

const SVG = 'http://www.w3.org/2000/svg';

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

class MapView {
  // `municipalities`: entries of the data set's map; `onPick(code, province)` on a click.
  constructor(container, municipalities, width, height, onPick) {
    this.paths = new Map();
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.setAttribute('role', 'img');
    const title = document.createElementNS(SVG, 'title');
    svg.appendChild(title);
    const g = document.createElementNS(SVG, 'g');
    for (const m of municipalities) {
      if (!m.path) continue;
      const p = document.createElementNS(SVG, 'path');
      p.setAttribute('d', m.path);
      p.setAttribute('fill', NO_DATA);
      p.dataset.code = m.code;
      p.dataset.province = m.province;
      const t = document.createElementNS(SVG, 'title');
      t.textContent = m.name;
      p.appendChild(t);
      g.appendChild(p);
      this.paths.set(m.code, p);
    }
    svg.appendChild(g);
    container.replaceChildren(svg);
    this.svg = svg;
    this.title = title;
    this.group = g;
    svg.addEventListener('click', (e) => {
      const code = e.target.dataset && e.target.dataset.code;
      if (code) onPick(code, e.target.dataset.province);
    });
  }

  // The view box around the drawn shapes (a province's map).
  fit() {
    const b = this.group.getBBox();
    if (b.width > 0 && b.height > 0) {
      const pad = Math.max(b.width, b.height) * 0.02;
      this.svg.setAttribute('viewBox', `${b.x - pad} ${b.y - pad} ${b.width + 2 * pad} ${b.height + 2 * pad}`);
    }
  }

  // Colours every shape by its class; `text(code)` is its tooltip line.
  paint(label, values, classes, text) {
    this.title.textContent = label;
    this.svg.setAttribute('aria-label', label + ' (dezelfde cijfers staan in de tabel)');
    for (const [code, p] of this.paths) {
      const v = values.get(code);
      const colour = v === undefined || !classes.length ? NO_DATA : classes[classOf(classes, v)].colour;
      p.setAttribute('fill', colour);
      p.dataset.value = v === undefined ? '' : String(v);
      p.firstChild.textContent = text(code);
    }
  }

  select(code) {
    for (const p of this.svg.querySelectorAll('path.selected')) p.classList.remove('selected');
    const p = code && this.paths.get(code);
    if (p) {
      p.classList.add('selected');
      p.parentNode.appendChild(p);
    }
  }
}

function legend(el, classes, extra) {
  el.replaceChildren();
  for (const c of classes.concat(extra || [])) {
    const li = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = c.colour;
    li.append(sw, document.createTextNode(c.label));
    el.appendChild(li);
  }
}

// ---------------------------------------------------------------------------------------------
// Tables: sortable by every column (buttons in the headers), rows as buttons for the keyboard

class Table {
  // columns: {key, label, text?: bool, value(row), show(row)}; options: {rowClass, pick}
  constructor(el, columns, options) {
    this.el = el;
    this.columns = columns;
    this.options = options || {};
    this.sort = options.sort || null;
    this.rows = [];
    el.addEventListener('click', (e) => {
      const head = e.target.closest('thead th button');
      if (head) {
        const key = head.dataset.key;
        this.sort = { key, dir: this.sort && this.sort.key === key && this.sort.dir === 'ascending' ? 'descending' : 'ascending' };
        this.render();
        this.el.querySelector(`th button[data-key="${key}"]`).focus();
        return;
      }
      const pick = e.target.closest('button[data-pick]');
      if (pick && this.options.pick) this.options.pick(pick.dataset.pick);
    });
  }

  set(columns, rows) {
    if (columns) this.columns = columns;
    this.rows = rows;
    this.render();
  }

  render() {
    const cols = this.columns;
    let rows = this.rows;
    if (this.sort) {
      const c = cols.find((x) => x.key === this.sort.key);
      if (c) {
        const sign = this.sort.dir === 'ascending' ? 1 : -1;
        rows = rows.slice().sort((a, b) => {
          const x = c.value(a);
          const y = c.value(b);
          return (typeof x === 'string' ? x.localeCompare(y, 'nl') : x - y) * sign;
        });
      }
    }
    const head = cols
      .map((c) => {
        const sort = this.sort && this.sort.key === c.key ? ` aria-sort="${this.sort.dir}"` : '';
        return `<th scope="col" class="${c.text ? 'text' : ''}"${sort}><button type="button" data-key="${c.key}">${escapeHtml(c.label)}</button></th>`;
      })
      .join('');
    const body = rows
      .map((r) => {
        const cls = this.options.rowClass ? this.options.rowClass(r) : '';
        const cells = cols
          .map((c, i) => {
            const v = c.show ? c.show(r) : escapeHtml(c.value(r));
            return i === 0 ? `<th scope="row" class="text">${v}</th>` : `<td class="${c.text ? 'text' : ''}">${v}</td>`;
          })
          .join('');
        return `<tr class="${cls}" data-key="${escapeHtml(this.options.key ? this.options.key(r) : '')}">${cells}</tr>`;
      })
      .join('');
    this.el.innerHTML = `<thead><tr>${head}</tr></thead><tbody>${body}</tbody>`;
  }
}

const pickButton = (code, label) => `<button type="button" class="link" data-pick="${escapeHtml(code)}">${escapeHtml(label)}</button>`;

// ---------------------------------------------------------------------------------------------
// State

const state = {
  maps: new Map(), // data set label -> map
  map: null,
  baseId: null,
  baseSettings: null,
  base: null, // the chosen scenario's report
  current: null, // the what-if's report, when the controls differ from the scenario
  whatIf: null, // the inline scenario of `current`
  province: '',
  municipality: null,
  solving: false,
  pending: null,
  solves: 0,
};

const views = {};

// A report indexed: per municipality code its rows by commodity, per province its rows.
function index(report) {
  const m = new Map();
  for (const r of report.municipalities) {
    let e = m.get(r.code);
    if (!e) m.set(r.code, (e = {}));
    e[r.commodity] = r;
  }
  const p = new Map();
  for (const r of report.provinces) {
    let e = p.get(r.code);
    if (!e) p.set(r.code, (e = { name: r.name }));
    e[r.commodity] = r;
  }
  return { report, municipalities: m, provinces: p };
}

const shown = () => state.current || state.base;
const obligation = (ix, code) => {
  const e = ix && ix.municipalities.get(code);
  return e ? (e.regular ? e.regular.obligation : 0) + (e.amv ? e.amv.obligation : 0) : undefined;
};
const population = (code) => state.map.byCode.get(code).population;
const per1000 = (ix, code) => {
  const o = obligation(ix, code);
  const n = population(code);
  return o === undefined ? undefined : n > 0 ? (o * 1000) / n : 0;
};
const difference = (code) => (state.current ? obligation(state.current, code) - obligation(state.base, code) : 0);

// ---------------------------------------------------------------------------------------------
// Rendering the scenario view

function paintPer1000(view, codes, legendEl) {
  const ix = shown();
  const values = new Map();
  for (const c of codes) {
    const v = per1000(ix, c);
    if (v !== undefined) values.set(c, v);
  }
  const classes = quantileClasses([...values.values()], dec2);
  const name = state.current ? 'wat-als' : `scenario „${ix.report.scenario}”`;
  view.paint(`Opgave per 1.000 inwoners, ${name}`, values, classes, (code) => {
    const m = state.map.byCode.get(code);
    const v = values.get(code);
    return `${m.name}: ${v === undefined ? 'geen gegevens' : dec2(v) + ' per 1.000 inwoners'}`;
  });
  legend(legendEl, classes);
}

function paintDiff(view, codes, legendEl) {
  const values = new Map();
  for (const c of codes) values.set(c, difference(c));
  const classes = differenceClasses([...values.values()], signed);
  view.paint('Verschil in opgave, wat-als ten opzichte van het scenario', values, classes, (code) => {
    const m = state.map.byCode.get(code);
    return `${m.name}: ${signed(values.get(code))} plaatsen`;
  });
  legend(legendEl, classes);
}

function paintStatus(view, commodity, legendEl) {
  const ix = shown();
  const values = new Map();
  const order = ['closes', 'allocated', 'infeasible'];
  for (const m of state.map.municipalities) {
    const p = ix.provinces.get(m.province);
    const r = p && p[commodity];
    if (r) values.set(m.code, order.indexOf(r.status));
  }
  const classes = order.map((s, i) => ({ upper: i, label: STATUS[s].label, colour: STATUS[s].colour }));
  view.paint(`Status per provincie, ${COMMODITY[commodity]}`, values, classes, (code) => {
    const m = state.map.byCode.get(code);
    const p = ix.provinces.get(m.province);
    const r = p && p[commodity];
    return `${m.name} (${p ? p.name : m.province}): ${r ? statusText(r) : 'geen gegevens'}`;
  });
  legend(legendEl, classes);
}

function statusText(r) {
  if (r.status === 'closes') return 'sluit';
  if (r.status === 'allocated') return `tekort ${int(r.shortfall)}, verdeeld`;
  return `tekort ${int(r.shortfall)}, ${int(r.missing)} niet te verdelen`;
}

function renderNational() {
  const codes = state.map.municipalities.map((m) => m.code);
  paintPer1000(views.national, codes, $('national-legend'));
  $('map-left-title').textContent = state.current
    ? 'Wat als: opgave per 1.000 inwoners'
    : 'Opgave per 1.000 inwoners';
  const right = $('right-map').value;
  if (right === 'diff') paintDiff(views.right, codes, $('right-legend'));
  else paintStatus(views.right, right === 'status-amv' ? 'amv' : 'regular', $('right-legend'));
  renderProvinceTable();
}

function provinceCell(code, commodity, field) {
  const p = shown().provinces.get(code);
  return p && p[commodity] ? p[commodity][field] : 0;
}

function renderProvinceTable() {
  const ix = shown();
  const rows = state.map.provinces.map((p) => ({ code: p.code, name: p.name }));
  const allocatedCell = (commodity) => (r) => {
    const now = provinceCell(r.code, commodity, 'allocated');
    if (!state.current) return int(now);
    const was = state.base.provinces.get(r.code)[commodity].allocated;
    return now === was ? int(now) : `${int(now)} <span class="${now > was ? 'more' : 'less'}">(${signed(now - was)})</span>`;
  };
  const columns = [
    { key: 'name', label: 'Provincie', text: true, value: (r) => r.name, show: (r) => pickButton(r.code, r.name) },
  ];
  for (const c of ['regular', 'amv']) {
    const w = COMMODITY[c];
    columns.push(
      { key: c + '-target', label: `Taak ${w}`, value: (r) => provinceCell(r.code, c, 'target'), show: (r) => int(provinceCell(r.code, c, 'target')) },
      { key: c + '-counted', label: `Geteld ${w}`, value: (r) => provinceCell(r.code, c, 'counted'), show: (r) => int(provinceCell(r.code, c, 'counted')) },
      { key: c + '-shortfall', label: `Tekort ${w}`, value: (r) => provinceCell(r.code, c, 'shortfall'), show: (r) => int(provinceCell(r.code, c, 'shortfall')) },
      { key: c + '-allocated', label: `Toegewezen ${w}`, value: (r) => provinceCell(r.code, c, 'allocated'), show: allocatedCell(c) },
      {
        key: c + '-status',
        label: `Status ${w}`,
        text: true,
        value: (r) => {
          const p = ix.provinces.get(r.code);
          return p && p[c] ? STATUS[p[c].status].label : '';
        },
      },
    );
  }
  const changed = (r) =>
    state.current &&
    ['regular', 'amv'].some((c) => state.base.provinces.get(r.code)[c].allocated !== provinceCell(r.code, c, 'allocated'));
  views.provinceTable.options.rowClass = (r) => [changed(r) ? 'changed' : '', r.code === state.province ? 'selected' : ''].join(' ');
  views.provinceTable.set(columns, rows);
}

function renderProvince() {
  const code = state.province;
  const card = $('province-card');
  const name = code ? state.map.provinces.find((p) => p.code === code).name : '';
  $('province-title').textContent = code ? `Gemeenten in ${name}` : 'Gemeenten';
  $('municipality-table-title').textContent = code ? `Gemeenten in ${name}` : 'Gemeenten in Nederland';
  card.hidden = !code;
  const codes = state.map.municipalities.filter((m) => !code || m.province === code).map((m) => m.code);
  if (code) {
    if (!views.province || views.province.code !== code) {
      const ms = state.map.municipalities.filter((m) => m.province === code);
      views.province = new MapView($('province-map'), ms, state.map.width, state.map.height, pickMunicipality);
      views.province.code = code;
      views.province.fit();
    }
    if ($('province-metric').value === 'diff') paintDiff(views.province, codes, $('province-legend'));
    else paintPer1000(views.province, codes, $('province-legend'));
    views.province.select(state.municipality);
  }
  for (const p of views.national.paths.values()) p.classList.toggle('province-selected', Boolean(code) && p.dataset.province === code);
  renderMunicipalityTable(codes);
}

function renderMunicipalityTable(codes) {
  const ix = shown();
  const filter = $('municipality-filter').value.trim().toLowerCase();
  const onlyChanged = $('only-changed').checked;
  const rows = codes
    .map((c) => state.map.byCode.get(c))
    .filter((m) => !filter || m.name.toLowerCase().includes(filter) || m.code.toLowerCase().includes(filter))
    .filter((m) => !onlyChanged || difference(m.code) !== 0);
  const ob = (c, commodity) => {
    const e = ix.municipalities.get(c);
    return e && e[commodity] ? e[commodity].obligation : 0;
  };
  const columns = [
    { key: 'name', label: 'Gemeente', text: true, value: (m) => m.name, show: (m) => pickButton(m.code, m.name) },
    { key: 'province', label: 'Provincie', text: true, value: (m) => state.map.provinceName.get(m.province) },
    { key: 'population', label: 'Inwoners', value: (m) => m.population, show: (m) => int(m.population) },
    { key: 'regular', label: 'Opgave regulier', value: (m) => ob(m.code, 'regular'), show: (m) => int(ob(m.code, 'regular')) },
    { key: 'amv', label: 'Opgave amv', value: (m) => ob(m.code, 'amv'), show: (m) => int(ob(m.code, 'amv')) },
    { key: 'per1000', label: 'Per 1.000 inwoners', value: (m) => per1000(ix, m.code) || 0, show: (m) => dec2(per1000(ix, m.code) || 0) },
  ];
  if (state.current) {
    columns.push({
      key: 'diff',
      label: 'Verschil met scenario',
      value: (m) => difference(m.code),
      show: (m) => {
        const d = difference(m.code);
        return d === 0 ? '0' : `<span class="${d > 0 ? 'more' : 'less'}">${signed(d)}</span>`;
      },
    });
  }
  views.municipalityTable.options.rowClass = (m) =>
    [difference(m.code) !== 0 ? 'changed' : '', m.code === state.municipality ? 'selected' : ''].join(' ');
  views.municipalityTable.set(columns, rows);
}

function renderAll() {
  renderNational();
  renderProvince();
  if (state.municipality) renderDetail();
}

// ---------------------------------------------------------------------------------------------
// A municipality: its numbers and the Dutch motivation from /v1/explain

let detailRequest = 0;

async function renderDetail() {
  const code = state.municipality;
  const el = $('detail');
  const m = state.map.byCode.get(code);
  const ix = shown();
  const e = ix.municipalities.get(code) || {};
  const base = state.base.municipalities.get(code) || {};
  const rows = ['regular', 'amv']
    .map((c) => {
      const r = e[c];
      if (!r) return '';
      const was = base[c] ? base[c].obligation : r.obligation;
      const diff = state.current ? `<td>${r.obligation === was ? '0' : `<span class="${r.obligation > was ? 'more' : 'less'}">${signed(r.obligation - was)}</span>`}</td>` : '';
      return `<tr><th scope="row" class="text">${COMMODITY[c]}</th><td>${int(r.indicative)}</td><td>${int(r.counted)}</td><td>${r.cap === null ? '–' : int(r.cap)}</td><td>${int(r.allocated + r.beyond_cap)}</td><td data-field="obligation-${c}">${int(r.obligation)}</td>${diff}<td class="text">${escapeHtml(REASON[r.reason] || r.reason)}</td></tr>`;
    })
    .join('');
  el.innerHTML = `<h3 id="detail-title">${escapeHtml(m.name)} <span class="hint">${escapeHtml(m.code)}, ${escapeHtml(state.map.provinceName.get(m.province))}, ${int(m.population)} inwoners</span></h3>
    <div class="table-wrap"><table aria-labelledby="detail-title"><thead><tr><th scope="col" class="text">Taak</th><th scope="col">Indicatief</th><th scope="col">Geteld</th><th scope="col">Plafond</th><th scope="col">Toegewezen</th><th scope="col">Opgave</th>${state.current ? '<th scope="col">Verschil</th>' : ''}<th scope="col" class="text">Reden</th></tr></thead><tbody>${rows}</tbody></table></div>
    <p class="hint">Opgave: getelde en toegewezen plaatsen${state.current ? '; verschil: wat-als ten opzichte van het scenario' : ''}.</p>
    <div class="motivations"></div>`;
  const holder = el.querySelector('.motivations');
  holder.innerHTML = '<p class="hint">Motivering laden…</p>';
  const ticket = ++detailRequest;
  const scenario = state.current ? state.whatIf : state.baseId;
  try {
    const texts = await Promise.all(
      ['regular', 'amv'].map((c) =>
        apiJson('/v1/explain', { method: 'POST', body: { scenario, municipality: code, commodity: c, what_if: true } }),
      ),
    );
    if (ticket !== detailRequest) return;
    holder.innerHTML = texts
      .map(
        (t, i) =>
          `<details ${i === 0 ? 'open' : ''}><summary>Motivering ${COMMODITY[i === 0 ? 'regular' : 'amv']}</summary><div class="motivation" data-commodity="${i === 0 ? 'regular' : 'amv'}">${escapeHtml(t.text)}</div></details>`,
      )
      .join('');
  } catch (err) {
    if (ticket === detailRequest) holder.innerHTML = `<p class="error">De motivering kon niet worden geladen: ${escapeHtml(err.message)}</p>`;
  }
}

function pickMunicipality(code, province) {
  state.municipality = code;
  if (province && province !== state.province) {
    state.province = province;
    $('province').value = province;
  }
  renderProvince();
  views.national.select(code);
  renderDetail();
  $('detail').focus({ preventScroll: false });
}

function pickProvince(code) {
  state.province = code;
  $('province').value = code;
  state.municipality = null;
  $('detail').innerHTML = '<p class="hint">Kies een gemeente op een kaart of in de tabel voor haar cijfers en de motivering.</p>';
  views.national.select(null);
  renderProvince();
  renderProvinceTable();
  $('province-view').scrollIntoView({ block: 'start' });
}

// ---------------------------------------------------------------------------------------------
// Scenario and what-if

function controls() {
  const num = (id) => Number($(id).value);
  return {
    count_intentions: $('count-intentions').checked,
    require_bridging: $('require-bridging').checked,
    mode: document.querySelector('input[name=mode]:checked').value,
    weights: { indicative: num('w-indicative'), effort: num('w-effort'), feasibility: num('w-feasibility') },
  };
}

function setControls(s) {
  $('count-intentions').checked = s.count_intentions;
  $('require-bridging').checked = s.require_bridging;
  for (const r of document.querySelectorAll('input[name=mode]')) r.checked = r.value === s.mode;
  $('w-indicative').value = s.weights.indicative;
  $('w-effort').value = s.weights.effort;
  $('w-feasibility').value = s.weights.feasibility;
  showWeights();
}

function showWeights() {
  for (const w of ['indicative', 'effort', 'feasibility']) {
    $(`w-${w}-value`).textContent = DEC2.format(Number($(`w-${w}`).value));
  }
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function settingsOf(detail) {
  const s = detail.settings;
  return {
    count_intentions: Boolean(s.counting.count_intentions),
    require_bridging: Boolean(s.counting.require_bridging),
    mode: s.allocation.mode,
    weights: {
      indicative: s.allocation.weights.indicative,
      effort: s.allocation.weights.effort,
      feasibility: s.allocation.weights.feasibility,
    },
  };
}

function describeWhatIf(c, b) {
  const parts = [];
  const names = { indicative: 'indicatief', effort: 'inspanning', feasibility: 'haalbaarheid' };
  for (const w of Object.keys(names)) {
    if (c.weights[w] !== b.weights[w]) parts.push(`gewicht ${names[w]} ${DEC2.format(b.weights[w])} → ${DEC2.format(c.weights[w])}`);
  }
  if (c.count_intentions !== b.count_intentions) parts.push(c.count_intentions ? 'intenties tellen mee' : 'intenties tellen niet mee');
  if (c.require_bridging !== b.require_bridging) parts.push(c.require_bridging ? 'overbrugging vereist' : 'overbrugging niet vereist');
  if (c.mode !== b.mode) parts.push(`verdeelwijze ${c.mode === 'rest' ? 'rest' : 'niveau'}`);
  return parts.join('; ');
}

// Solves the controls' what-if; while one solve runs, the latest change waits (no pile-up).
function whatIfChanged(event) {
  showWeights();
  const started = event && event.timeStamp ? event.timeStamp : performance.now();
  state.pending = { settings: controls(), started };
  if (!state.solving) solvePending();
}

async function solvePending() {
  const job = state.pending;
  state.pending = null;
  if (!job) return;
  const c = job.settings;
  if (same(c, state.baseSettings)) {
    state.current = null;
    state.whatIf = null;
    $('whatif-summary').textContent = '';
    renderAll();
    finishUpdate(job.started, 'Scenario getoond');
    return;
  }
  state.solving = true;
  const inline = {
    extends: state.baseId,
    name: 'wat-als',
    counting: { count_intentions: c.count_intentions, require_bridging: c.require_bridging },
    allocation: { mode: c.mode, weights: c.weights },
  };
  try {
    const report = await apiJson('/v1/solve', { method: 'POST', body: { scenario: inline } });
    state.current = index(report);
    state.whatIf = inline;
    const changed = state.map.municipalities.filter((m) => difference(m.code) !== 0).length;
    $('whatif-summary').textContent = `Wat als: ${describeWhatIf(c, state.baseSettings)}. ${changed} gemeenten krijgen een andere opgave.`;
    if (state.solves === 0 && $('right-map').value !== 'diff') $('right-map').value = 'diff';
    renderAll();
    finishUpdate(job.started, 'Wat-als doorgerekend');
  } catch (err) {
    setStatus('Wat-als niet doorgerekend: ' + err.message, true);
  } finally {
    state.solving = false;
    if (state.pending) solvePending();
  }
}

// Records the time from the change to the drawn page (after the next frame is painted).
function finishUpdate(started, what) {
  requestAnimationFrame(() =>
    setTimeout(() => {
      const ms = Math.round(performance.now() - started);
      state.solves += 1;
      document.body.dataset.updateMs = String(ms);
      document.body.dataset.solves = String(state.solves);
      setStatus(`${what} en getekend in ${ms} ms.`);
    }, 0),
  );
}

async function loadScenario(id) {
  setStatus('Scenario laden…');
  const detail = await apiJson('/v1/scenarios/' + encodeURIComponent(id).replace(/%2F/g, '/'));
  $('scenario-description').textContent = detail.description || '';
  const label = detail.settings.dataset;
  if (!state.maps.has(label)) {
    const map = await apiJson(`/v1/datasets/${encodeURIComponent(label)}/map`);
    map.byCode = new Map(map.municipalities.map((m) => [m.code, m]));
    map.provinceName = new Map(map.provinces.map((p) => [p.code, p.name]));
    state.maps.set(label, map);
  }
  const map = state.maps.get(label);
  const report = await apiJson('/v1/solve', { method: 'POST', body: { scenario: id } });
  if (state.map !== map) {
    state.map = map;
    views.national = new MapView($('national-map'), map.municipalities, map.width, map.height, pickMunicipality);
    views.right = new MapView($('right-map-view'), map.municipalities, map.width, map.height, pickMunicipality);
    views.province = null;
    const sel = $('province');
    sel.replaceChildren(new Option('Heel Nederland', ''));
    for (const p of map.provinces) sel.appendChild(new Option(p.name, p.code));
  }
  state.baseId = id;
  state.base = index(report);
  state.baseSettings = settingsOf(detail);
  state.current = null;
  state.whatIf = null;
  setControls(state.baseSettings);
  $('whatif-summary').textContent = '';
  renderAll();
  const open = report.provinces.filter((p) => p.status !== 'closes').length;
  setStatus(`Scenario „${report.scenario}”, cyclus ${report.cycle}: ${open} van ${report.provinces.length} provinciale taken sluiten niet.`);
  document.body.dataset.scenario = id;
  document.body.dataset.cycle = report.cycle;
}

// ---------------------------------------------------------------------------------------------
// Runs: start a served sweep, follow its events, show the bands

const run = { id: null, bands: null };

// Server-sent events over fetch (EventSource cannot send the token).
async function follow(id) {
  const r = await api(`/v1/runs/${id}/events`);
  const reader = r.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let last = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).trim();
      }
      if (!data) continue;
      last = JSON.parse(data);
      showRun(last);
      if (event === 'end') return last;
    }
  }
  return last;
}

const RUN_STATUS = { queued: 'in de wachtrij', running: 'loopt', done: 'klaar', failed: 'mislukt', cancelled: 'gestopt' };

function showRun(info) {
  const done = info.solved + info.failed;
  const p = $('run-progress');
  p.max = Math.max(1, info.total);
  p.value = done;
  p.setAttribute('aria-valuetext', `${done} van ${info.total}`);
  $('run-status').textContent = `Run ${info.id} ${RUN_STATUS[info.status] || info.status}: ${int(done)} van ${int(info.total)} scenario's doorgerekend${info.failed ? `, ${int(info.failed)} mislukt` : ''}.`;
  $('run-status').dataset.status = info.status;
}

async function startRun() {
  const sweep = $('sweep').value;
  if (!sweep) return;
  $('start-run').disabled = true;
  $('cancel-run').hidden = false;
  $('run-result').hidden = true;
  $('run-status').textContent = 'Run starten…';
  try {
    const created = await apiJson('/v1/runs', { method: 'POST', body: { scenarios: [sweep] } });
    run.id = created.id;
    showRun(created.run);
    const end = await follow(created.id);
    if (end && end.status === 'done') await showBands(created.id);
  } catch (err) {
    $('run-status').textContent = 'De run kon niet worden gevolgd: ' + err.message;
  } finally {
    $('start-run').disabled = false;
    $('cancel-run').hidden = true;
  }
}

async function cancelRun() {
  if (!run.id) return;
  try {
    const info = await apiJson(`/v1/runs/${run.id}`, { method: 'DELETE' });
    showRun(info);
  } catch (err) {
    $('run-status').textContent = 'Stoppen mislukt: ' + err.message;
  }
}

async function showBands(id) {
  const bands = await apiJson(`/v1/runs/${id}/bands`);
  run.bands = bands;
  $('run-result').hidden = false;
  if (!views.band || views.band.map !== state.map) {
    views.band = new MapView($('band-map'), state.map.municipalities, state.map.width, state.map.height, (code) => {
      const row = $('band-table').querySelector(`tr[data-key="${code}"]`);
      if (row) {
        row.scrollIntoView({ block: 'nearest' });
        row.querySelector('button').focus();
      }
    });
    views.band.map = state.map;
  }
  paintBands();
  const width = (m) => m.total.max - m.total.min;
  const med1000 = (m) => (m.population > 0 ? (m.total.median * 1000) / m.population : 0);
  views.bandTable.set(
    [
      { key: 'name', label: 'Gemeente', text: true, value: (m) => m.name, show: (m) => pickButton(m.code, m.name) },
      { key: 'province', label: 'Provincie', text: true, value: (m) => state.map.provinceName.get(m.province) || m.province },
      { key: 'min', label: 'Minimum', value: (m) => m.total.min, show: (m) => int(m.total.min) },
      { key: 'median', label: 'Mediaan', value: (m) => m.total.median, show: (m) => DEC1.format(m.total.median) },
      { key: 'max', label: 'Maximum', value: (m) => m.total.max, show: (m) => int(m.total.max) },
      { key: 'width', label: 'Bandbreedte', value: width, show: (m) => int(width(m)) },
      { key: 'per1000', label: 'Mediaan per 1.000', value: med1000, show: (m) => dec2(med1000(m)) },
    ],
    bands.municipalities,
  );
  for (const [el, path] of [
    ['band-csv', `/v1/runs/${id}/bands?format=csv`],
    ['band-xlsx', `/v1/runs/${id}/bands?format=xlsx`],
    ['summary-csv', `/v1/runs/${id}/summary?format=csv`],
    ['summary-xlsx', `/v1/runs/${id}/summary?format=xlsx`],
  ]) {
    const a = $(el);
    a.href = path;
    a.download = `${id}-${el}.${path.endsWith('xlsx') ? 'xlsx' : 'csv'}`;
  }
  $('run-status').textContent += ` Banden over ${int(bands.scenarios)} scenario's.`;
  document.body.dataset.bands = id;
}

function paintBands() {
  const bands = run.bands;
  if (!bands) return;
  const values = new Map();
  const metric = $('band-metric').value;
  for (const m of bands.municipalities) {
    values.set(m.code, metric === 'width' ? m.total.max - m.total.min : m.population > 0 ? (m.total.median * 1000) / m.population : 0);
  }
  const format = metric === 'width' ? int : dec2;
  const classes = quantileClasses([...values.values()], format);
  const byCode = new Map(bands.municipalities.map((m) => [m.code, m]));
  views.band.paint(
    metric === 'width' ? 'Bandbreedte van de opgave over de run' : 'Mediaan van de opgave per 1.000 inwoners over de run',
    values,
    classes,
    (code) => {
      const m = byCode.get(code);
      return m ? `${m.name}: ${int(m.total.min)} – ${int(m.total.max)} (mediaan ${DEC1.format(m.total.median)})` : code;
    },
  );
  legend($('band-legend'), classes);
}

// Downloads through fetch, so that the token goes along.
async function download(e) {
  const a = e.target.closest('a[download]');
  if (!a || !a.getAttribute('href') || a.dataset.fetched) return;
  e.preventDefault();
  try {
    const blob = await (await api(a.getAttribute('href'))).blob();
    const url = URL.createObjectURL(blob);
    const tmp = document.createElement('a');
    tmp.href = url;
    tmp.download = a.download;
    tmp.dataset.fetched = '1';
    document.body.appendChild(tmp);
    tmp.click();
    tmp.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) {
    $('run-status').textContent = 'Download mislukt: ' + err.message;
  }
}

// ---------------------------------------------------------------------------------------------
// Toezicht: the status of a decision's municipalities on a date (GET /v1/decisions/{id}/...)

const PROGRESS = { met: 'gerealiseerd', 'on-track': 'op schema', behind: 'achter op schema', overdue: 'te laat' };
const LOSS = {
  removed: 'staat niet meer op de lijst',
  reduced: 'heeft minder plaatsen',
  intention: 'is een intentie',
  'below-minimum-size': 'is kleiner dan de minimale omvang',
  'closes-before-end': 'sluit voor het einde van de cyclus',
  'too-short': 'is te kort beschikbaar',
  'opens-after-end': 'opent na het einde van de cyclus',
  'opens-late-without-bridging': 'opent na de peildatum zonder overbruggingsopvang',
};
const monitor = { decisions: [], status: null, code: null, commodity: null, map: null, mapOf: null };

async function loadDecisions() {
  const list = await apiJson('/v1/decisions');
  monitor.decisions = list.decisions;
  if (!list.decisions.length) return;
  $('toezicht').hidden = false;
  for (const d of list.decisions) {
    $('decision').appendChild(new Option(`${d.name}: ${d.scenario}, cyclus ${d.cycle} (${d.provinces.join(', ')})`, d.id));
  }
  const today = new Date().toISOString().slice(0, 10);
  $('monitor-at').value = today;
  await pickDecision();
}

async function pickDecision() {
  const d = monitor.decisions.find((x) => x.id === $('decision').value) || monitor.decisions[0];
  $('monitor-province').replaceChildren(...d.provinces.map((p) => new Option(p, p)));
  if (d.map && monitor.mapOf !== d.id) {
    const map = await apiJson(`/v1/decisions/${encodeURIComponent(d.id)}/map`);
    monitor.map = map;
    monitor.mapOf = d.id;
    for (const p of map.provinces) {
      const o = [...$('monitor-province').options].find((x) => x.value === p.code);
      if (o) o.textContent = `${p.name} (${p.code})`;
    }
  }
  await loadStatus();
}

async function loadStatus() {
  const d = monitor.decisions.find((x) => x.id === $('decision').value);
  const at = $('monitor-at').value;
  if (!d || !at) return;
  monitor.status = await apiJson(`/v1/decisions/${encodeURIComponent(d.id)}/status?at=${encodeURIComponent(at)}`);
  renderMonitor();
  if (monitor.code) await showTimeline(monitor.code, monitor.commodity);
}

function renderMonitor() {
  const s = monitor.status;
  const province = $('monitor-province').value;
  const rows = s.municipalities.filter((r) => r.province === province);
  const totals = s.provinces.filter((p) => p.code === province);
  const snap = s.snapshot.seq === 0 ? 'de lijst van het verslag waarop het besluit rust' : `lijst ${s.snapshot.seq} van ${s.snapshot.date}`;
  $('monitor-summary').textContent =
    `Stand op ${s.at} (peildatum ${s.due}), uit ${snap}. ` +
    totals
      .map((t) => `${COMMODITY[t.commodity]}: ${int(t.counted)} van ${int(t.obligation)} plaatsen tellen mee, ${int(t.gap)} ontbreken; ${t.behind} achter, ${t.overdue} te laat`)
      .join('; ') + '.';
  // The map: the gap of both commodities together.
  if (monitor.map) {
    const inProvince = monitor.map.municipalities.filter((m) => m.province === province);
    if (!views.gap || views.gapOf !== monitor.mapOf + province) {
      views.gap = new MapView($('gap-map'), inProvince, monitor.map.width, monitor.map.height, (code) => {
        const all = monitor.status.municipalities.filter((x) => x.code === code);
        const r = all.find((x) => x.status !== 'met') || all[0];
        if (r) showTimeline(r.code, r.commodity).catch((err) => setStatus('Verloop niet geladen: ' + err.message, true));
      });
      views.gap.fit();
      views.gapOf = monitor.mapOf + province;
    }
    const gaps = new Map();
    for (const r of rows) gaps.set(r.code, (gaps.get(r.code) || 0) + r.gap);
    const classes = quantileClasses([...gaps.values()], int);
    const names = new Map(inProvince.map((m) => [m.code, m.name]));
    views.gap.paint(`Ontbrekende plaatsen op ${s.at}`, gaps, classes, (code) =>
      gaps.has(code) ? `${names.get(code)}: ${int(gaps.get(code))} ontbrekend` : `${names.get(code)}: geen opgave`,
    );
    legend($('gap-legend'), classes, [{ colour: NO_DATA, label: 'geen opgave' }]);
  }
  const behind = rows.filter((r) => r.status === 'behind' || r.status === 'overdue');
  const key = (r) => `${r.code}:${r.commodity}`;
  views.behind.options.rowClass = (r) => (r.code === monitor.code && r.commodity === monitor.commodity ? 'selected' : '');
  views.behind.set(
    [
      { key: 'name', label: 'Gemeente', text: true, value: (r) => r.name, show: (r) => pickButton(key(r), r.name) },
      { key: 'commodity', label: 'Soort', text: true, value: (r) => COMMODITY[r.commodity] },
      { key: 'obligation', label: 'Opgave', value: (r) => r.obligation, show: (r) => int(r.obligation) },
      { key: 'counted', label: 'Telt mee', value: (r) => r.counted, show: (r) => int(r.counted) },
      { key: 'pipeline', label: 'Besloten', value: (r) => r.pipeline, show: (r) => int(r.pipeline) },
      { key: 'gap', label: 'Tekort', value: (r) => r.gap, show: (r) => int(r.gap) },
      { key: 'status', label: 'Stand', text: true, value: (r) => PROGRESS[r.status] },
      { key: 'since', label: 'Sinds', text: true, value: (r) => r.since || '' },
    ],
    behind,
  );
}

async function showTimeline(code, commodity) {
  const d = $('decision').value;
  const s = monitor.status;
  const r = s.municipalities.find((x) => x.code === code && x.commodity === commodity);
  if (!r) return;
  monitor.code = code;
  monitor.commodity = commodity;
  const svgText = await (await api(`/v1/decisions/${encodeURIComponent(d)}/timeline?code=${encodeURIComponent(code)}&commodity=${commodity}&at=${encodeURIComponent(s.at)}`)).text();
  const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  const svg = document.importNode(doc.documentElement, true);
  svg.setAttribute('width', '100%');
  svg.removeAttribute('height');
  const losses = r.losses
    .map((l) => `<li>Locatie ${escapeHtml(l.location_id)}: ${int(l.places)} plaatsen verloren; ${escapeHtml(LOSS[l.reason] || l.reason)}</li>`)
    .join('');
  const box = $('timeline');
  box.innerHTML = `<h3 id="timeline-title">${escapeHtml(r.name)} (${escapeHtml(r.code)}), ${COMMODITY[r.commodity]}</h3>
    <p>Opgave ${int(r.obligation)}; op ${escapeHtml(s.at)} tellen ${int(r.counted)} plaatsen mee, ${int(r.pipeline)} besloten, ${int(r.gap)} ontbrekend: <strong>${PROGRESS[r.status]}</strong>${r.since ? ' sinds ' + escapeHtml(r.since) : ''}. Sinds de vorige lijst: ${signed(r.change)}.</p>
    ${losses ? `<ul class="losses">${losses}</ul>` : ''}`;
  box.appendChild(svg);
  views.gap && views.gap.select(code);
  renderMonitor();
}

// ---------------------------------------------------------------------------------------------
// Start

async function start() {
  views.provinceTable = new Table($('province-table'), [], { pick: pickProvince, key: (r) => r.code });
  views.municipalityTable = new Table($('municipality-table'), [], {
    pick: (code) => pickMunicipality(code),
    key: (m) => m.code,
  });
  views.bandTable = new Table($('band-table'), [], {
    key: (m) => m.code,
    sort: { key: 'width', dir: 'descending' },
    pick: (code) => {
      const m = state.map.byCode.get(code);
      if (m) pickMunicipality(code, m.province);
    },
  });
  for (const id of ['w-indicative', 'w-effort', 'w-feasibility']) $(id).addEventListener('input', whatIfChanged);
  for (const el of document.querySelectorAll('#count-intentions, #require-bridging, input[name=mode]')) {
    el.addEventListener('change', whatIfChanged);
  }
  $('reset').addEventListener('click', (e) => {
    setControls(state.baseSettings);
    whatIfChanged(e);
  });
  $('right-map').addEventListener('change', renderNational);
  $('province-metric').addEventListener('change', renderProvince);
  $('province').addEventListener('change', (e) => pickProvince(e.target.value));
  $('municipality-filter').addEventListener('input', renderProvince);
  $('only-changed').addEventListener('change', renderProvince);
  $('band-metric').addEventListener('change', paintBands);
  $('start-run').addEventListener('click', startRun);
  $('cancel-run').addEventListener('click', cancelRun);
  document.querySelector('.downloads').addEventListener('click', download);
  views.behind = new Table($('behind-table'), [], {
    key: (r) => `${r.code}:${r.commodity}`,
    sort: { key: 'gap', dir: 'descending' },
    pick: (k) => {
      const [code, commodity] = k.split(':');
      showTimeline(code, commodity).catch((err) => setStatus('Verloop niet geladen: ' + err.message, true));
    },
  });
  const monitorFailed = (err) => setStatus('Toezicht niet geladen: ' + err.message, true);
  $('decision').addEventListener('change', () => pickDecision().catch(monitorFailed));
  $('monitor-at').addEventListener('change', () => loadStatus().catch(monitorFailed));
  $('monitor-province').addEventListener('change', () => {
    monitor.code = null;
    renderMonitor();
  });
  $('scenario').addEventListener('change', (e) =>
    loadScenario(e.target.value).catch((err) => setStatus('Scenario niet geladen: ' + err.message, true)),
  );

  try {
    const list = await apiJson('/v1/scenarios');
    const scenarios = list.scenarios.filter((s) => s.valid && s.kind === 'scenario');
    const sweeps = list.scenarios.filter((s) => s.valid && s.kind === 'sweep');
    // Grouped by cycle: the served folder a scenario is in (2024-2026/, 2026-2028/).
    const groups = new Map();
    for (const s of scenarios) {
      const folder = s.id.includes('/') ? s.id.slice(0, s.id.indexOf('/')) : '';
      if (!groups.has(folder)) groups.set(folder, []);
      groups.get(folder).push(s);
    }
    for (const [folder, list] of groups) {
      const parent = folder ? document.createElement('optgroup') : $('scenario');
      if (folder) {
        parent.label = /^\d{4}-\d{4}$/.test(folder) ? `Cyclus ${folder}` : folder;
        $('scenario').appendChild(parent);
      }
      for (const s of list) parent.appendChild(new Option(`${s.name} (${s.id})`, s.id));
    }
    for (const s of sweeps) $('sweep').appendChild(new Option(`${s.name}: ${int(s.scenarios)} scenario's (${s.id})`, s.id));
    $('start-run').disabled = sweeps.length === 0;
    if (!scenarios.length) {
      setStatus('Deze server serveert geen geldig scenario.', true);
      return;
    }
    const first = scenarios.find((s) => s.id.endsWith('rest-indicative')) || scenarios[0];
    $('scenario').value = first.id;
    await loadScenario(first.id);
    await loadDecisions().catch(monitorFailed);
    document.body.dataset.ready = 'true';
  } catch (err) {
    setStatus('De werkbank kon niet starten: ' + err.message, true);
  }
}

document.addEventListener('DOMContentLoaded', start);
