// End-to-end tests of the workbench page (`spreiding serve`, GET /) in Debian's Chromium driven
// by playwright-core. Each server is started here on a free loopback port with a fresh state
// folder and stopped at the end; Chromium runs headless with its background networking off.
//
//   SPREIDING_BIN=target/release/spreiding node --test tests/browser/workbench.test.mjs
//
// Screenshots go to tests/browser/screenshots/ (or $SCREENSHOTS). The time from a slider change
// to the redrawn map is printed, never asserted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = resolve(root, process.env.SPREIDING_BIN || 'target/release/spreiding');
const shots = resolve(process.env.SCREENSHOTS || join(root, 'tests/browser/screenshots'));
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const SCENARIO = '2024-2026/rest-indicative';
const TOKEN = 'workbench-test-token-0123456789';

const work = mkdtempSync(join(tmpdir(), 'spreiding-workbench-'));
const servers = [];
let browser;
let url;

// Starts `spreiding serve` on a free loopback port; resolves with its address.
function serve(extra) {
  return new Promise((ok, fail) => {
    const state = mkdtempSync(join(work, 'state-'));
    const child = spawn(bin, ['serve', '--bind', '127.0.0.1:0', '--state', state, '--scenarios', join(root, 'scenarios'), ...extra], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    servers.push(child);
    let out = '';
    let log = '';
    child.stderr.on('data', (d) => (log += d));
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) ok(m[1]);
    });
    child.on('exit', (code) => fail(new Error(`spreiding serve stopped (${code}):\n${log}`)));
  });
}

function stop(child) {
  return new Promise((ok) => {
    if (child.exitCode !== null) return ok();
    child.removeAllListeners('exit');
    child.on('exit', () => ok());
    child.kill('SIGTERM');
  });
}

async function api(path, body, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = 'Bearer ' + token;
  const r = await fetch(url + path, body === undefined ? { headers } : { method: 'POST', headers, body: JSON.stringify(body) });
  assert.ok(r.ok, `${path}: ${r.status} ${await r.clone().text()}`);
  return r.json();
}

const nl = (v) => new Intl.NumberFormat('nl-NL', { maximumFractionDigits: 0 }).format(v);

async function page(viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const p = await context.newPage();
  p.on('pageerror', (e) => assert.fail(`error in the page: ${e.message}`));
  return p;
}

async function ready(p, at = url) {
  await p.goto(at + '/');
  await p.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  url = await serve([]);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  if (browser) await browser.close();
  await Promise.all(servers.map(stop));
  rmSync(work, { recursive: true, force: true });
});

test('the page is served from the binary, with no other origin allowed', async () => {
  const r = await fetch(url + '/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.match(r.headers.get('content-security-policy'), /default-src 'none'.*connect-src 'self'/);
  const html = await r.text();
  assert.match(html, /<html lang="nl">/);
  assert.doesNotMatch(html, /https?:\/\//, 'the page names no other origin');
  for (const asset of ['/workbench/app.js', '/workbench/app.css']) {
    const a = await fetch(url + asset);
    assert.equal(a.status, 200, asset);
    assert.doesNotMatch(await a.text(), /https?:\/\/(?!www\.w3\.org)/, `${asset} names no other origin`);
  }
});

test('the national map shows one shape per municipality and the province table every province', async () => {
  const map = await api('/v1/datasets/nl-2024/map');
  const p = await page();
  const requests = [];
  p.on('request', (r) => requests.push(r.url()));
  await ready(p);
  const codes = await p.$$eval('#national-map path', (ps) => ps.map((x) => x.dataset.code));
  assert.equal(codes.length, map.municipalities.length);
  assert.equal(new Set(codes).size, codes.length, 'one shape per municipality');
  assert.deepEqual([...codes].sort(), map.municipalities.map((m) => m.code).sort());
  assert.equal(codes.length, 342);
  assert.equal(await p.locator('#province-table tbody tr').count(), 12);
  // The colours are the classes of obligation per 1,000 inhabitants, as /v1/solve answers.
  const report = await api('/v1/solve', { scenario: SCENARIO });
  const population = new Map(map.municipalities.map((m) => [m.code, m.population]));
  const total = new Map();
  for (const r of report.municipalities) total.set(r.code, (total.get(r.code) || 0) + r.obligation);
  const shown = await p.$$eval('#national-map path', (ps) => ps.map((x) => [x.dataset.code, Number(x.dataset.value)]));
  for (const [code, v] of shown) {
    assert.ok(Math.abs(v - (total.get(code) * 1000) / population.get(code)) < 1e-9, `${code}: ${v}`);
  }
  // The province table: Groningen's regular task and status as the report has them.
  const gr = report.provinces.find((r) => r.code === 'PV20' && r.commodity === 'regular');
  const row = p.locator('#province-table tbody tr[data-key="PV20"]');
  await assert.doesNotReject(row.getByText(nl(gr.target), { exact: true }).first().waitFor());
  assert.ok(requests.every((u) => u.startsWith(url)), `only the server was asked: ${requests.filter((u) => !u.startsWith(url))}`);
  await p.screenshot({ path: join(shots, 'scenario.png'), fullPage: false });
  await p.context().close();
});

test('a slider change solves the what-if through /v1/solve and redraws maps, tables and numbers', async () => {
  const p = await page();
  await ready(p);
  const timings = [];
  let solves = 0;
  const change = async (selector, value) => {
    const before = solves;
    await p.locator(selector).fill(String(value));
    await p.waitForFunction((n) => Number(document.body.dataset.solves || 0) > n, before);
    solves = Number(await p.evaluate(() => document.body.dataset.solves));
    timings.push(Number(await p.evaluate(() => document.body.dataset.updateMs)));
  };
  await change('#w-effort', 0.5);
  assert.equal(await p.locator('#right-map').inputValue(), 'diff', 'the right map turns into the difference map');
  await p.evaluate(() => window.scrollTo(0, 0));
  await p.screenshot({ path: join(shots, 'what-if-maps.png') });
  // The same what-if, asked of the API by the test.
  const whatIf = await api('/v1/solve', {
    scenario: {
      extends: SCENARIO,
      name: 'wat-als',
      counting: { count_intentions: false, require_bridging: true },
      allocation: { mode: 'rest', weights: { indicative: 1, effort: 0.5, feasibility: 0 } },
    },
  });
  const base = await api('/v1/solve', { scenario: SCENARIO });
  const key = (r) => `${r.code}/${r.commodity}`;
  const before = new Map(base.municipalities.map((r) => [key(r), r.obligation]));
  const moved = whatIf.municipalities.filter((r) => r.commodity === 'regular' && before.get(key(r)) !== r.obligation);
  assert.ok(moved.length > 0, 'the effort weight moves some obligations');
  const m = moved[0];
  // The diff map (the right map switches to it) and the changed rows.
  const diff = Number(await p.locator(`#right-map-view path[data-code="${m.code}"]`).getAttribute('data-value'));
  const amvNow = whatIf.municipalities.find((r) => r.code === m.code && r.commodity === 'amv').obligation;
  const amvThen = base.municipalities.find((r) => r.code === m.code && r.commodity === 'amv').obligation;
  assert.equal(diff, m.obligation - before.get(key(m)) + (amvNow - amvThen));
  assert.ok((await p.locator('#municipality-table tbody tr.changed').count()) >= moved.length / 2);
  // The municipality's panel shows the what-if's obligation.
  await p.locator(`#municipality-table button[data-pick="${m.code}"]`).click();
  await p.locator('#detail [data-field="obligation-regular"]').waitFor();
  assert.equal(await p.locator('#detail [data-field="obligation-regular"]').textContent(), nl(m.obligation));
  await p.locator('#detail .motivation').first().waitFor();
  await p.screenshot({ path: join(shots, 'what-if.png') });
  // More changes: the mode and a counting rule; then back to the scenario.
  await change('#w-effort', 0.8);
  await change('#w-feasibility', 0.3);
  await p.locator('input[name=mode][value=level]').check();
  await p.waitForFunction((n) => Number(document.body.dataset.solves) > n, solves);
  solves = Number(await p.evaluate(() => document.body.dataset.solves));
  await change('#w-effort', 0.2);
  await p.locator('#reset').click();
  await p.waitForFunction((n) => Number(document.body.dataset.solves) > n, solves);
  assert.equal(await p.locator('#municipality-table tbody tr.changed').count(), 0, 'back at the scenario nothing differs');
  timings.sort((a, b) => a - b);
  console.log(`# slider change to redrawn map: ${timings.join(', ')} ms (median ${timings[Math.floor(timings.length / 2)]} ms)`);
  await p.context().close();
});

test('the scenario list is grouped by cycle; a scenario of the second cycle shows its map and numbers', async () => {
  const p = await page();
  await ready(p);
  assert.equal(await p.evaluate(() => document.body.dataset.cycle), '2024-2026');
  const groups = await p.$$eval('#scenario optgroup', (gs) => gs.map((g) => g.label));
  assert.deepEqual(groups, ['Cyclus 2024-2026', 'Cyclus 2026-2028', 'bench']);
  const second = '2026-2028/rest-indicative';
  await p.selectOption('#scenario', second);
  await p.waitForFunction((id) => document.body.dataset.scenario === id, second);
  assert.equal(await p.evaluate(() => document.body.dataset.cycle), '2026-2028');
  // The scenario leaves the counting rules to its cycle: the controls show the cycle's.
  assert.equal(await p.locator('#require-bridging').isChecked(), true);
  assert.equal(await p.locator('#count-intentions').isChecked(), false);
  // The province table holds the second cycle's tasks, as /v1/solve answers them.
  const report = await api('/v1/solve', { scenario: second });
  const zh = report.provinces.find((r) => r.code === 'PV28' && r.commodity === 'regular');
  const row = p.locator('#province-table tbody tr[data-key="PV28"]');
  await assert.doesNotReject(row.getByText(nl(zh.target), { exact: true }).first().waitFor());
  assert.match(await p.locator('#status').textContent(), /cyclus 2026-2028/);
  await p.screenshot({ path: join(shots, 'second-cycle.png'), fullPage: false });
  await p.context().close();
});

test('a click on a municipality opens its numbers and its Dutch motivation', async () => {
  const p = await page();
  await ready(p);
  await p.locator('#national-map path[data-code="GM0014"]').click();
  await p.locator('#detail .motivation[data-commodity="regular"]').waitFor();
  assert.match(await p.locator('#detail h3').textContent(), /Groningen/);
  const expected = await api('/v1/explain', { scenario: SCENARIO, municipality: 'GM0014', commodity: 'regular', what_if: true });
  assert.equal(await p.locator('#detail .motivation[data-commodity="regular"]').textContent(), expected.text);
  // The province of the click is shown: its map has one shape per municipality of Groningen.
  const map = await api('/v1/datasets/nl-2024/map');
  const groningen = map.municipalities.filter((m) => m.province === 'PV20').length;
  assert.equal(await p.locator('#province-map path').count(), groningen);
  assert.equal(await p.locator('#municipality-table tbody tr').count(), groningen);
  await p.screenshot({ path: join(shots, 'municipality.png'), fullPage: true });
  await p.context().close();
});

test('the keyboard reaches every control: a province by Enter, its table, the sort', async () => {
  const p = await page();
  await ready(p);
  // Every form control has a label.
  const unlabeled = await p.$$eval('input, select', (els) =>
    els.filter((e) => !e.labels || e.labels.length === 0).map((e) => e.id || e.name),
  );
  assert.deepEqual(unlabeled, []);
  await p.locator('#province-table button[data-pick="PV26"]').focus();
  await p.keyboard.press('Enter');
  await p.locator('#province-card:not([hidden])').waitFor();
  assert.match(await p.locator('#province-title').textContent(), /Utrecht/);
  // Sort the municipalities by population, descending, by keyboard.
  await p.locator('#municipality-table th button[data-key="population"]').focus();
  await p.keyboard.press('Enter');
  await p.keyboard.press('Enter');
  assert.equal(await p.locator('#municipality-table th[aria-sort]').getAttribute('aria-sort'), 'descending');
  assert.match(await p.locator('#municipality-table tbody tr').first().textContent(), /^Utrecht/);
  // On a fresh page the tab order starts at the skip link, then the scenario choice.
  await ready(p);
  await p.keyboard.press('Tab');
  assert.equal(await p.evaluate(() => document.activeElement.className), 'skip');
  await p.keyboard.press('Tab');
  assert.equal(await p.evaluate(() => document.activeElement.id), 'scenario');
  await p.context().close();
});

test('a run of a served sweep completes with a band map and a sortable table', async () => {
  const p = await page();
  await ready(p);
  await p.locator('#sweep').selectOption('2024-2026/sweeps/weights');
  await p.locator('#start-run').click();
  await p.waitForSelector('body[data-bands]', { timeout: 120000 });
  const id = await p.evaluate(() => document.body.dataset.bands);
  assert.equal(await p.locator('#run-status').getAttribute('data-status'), 'done');
  assert.equal(await p.locator('#run-progress').evaluate((e) => [e.value, e.max].join('/')), '22/22');
  assert.equal(await p.locator('#band-map path').count(), 342);
  assert.equal(await p.locator('#band-table tbody tr').count(), 342);
  // The first row (widest band) against the API's bands.
  const bands = await api(`/v1/runs/${id}/bands`);
  const widest = Math.max(...bands.municipalities.map((m) => m.total.max - m.total.min));
  const first = p.locator('#band-table tbody tr').first();
  const code = await first.getAttribute('data-key');
  const m = bands.municipalities.find((x) => x.code === code);
  assert.equal(m.total.max - m.total.min, widest);
  assert.equal(Number(await p.locator(`#band-map path[data-code="${code}"]`).getAttribute('data-value')), widest);
  // The downloads answer.
  for (const link of ['#band-csv', '#band-xlsx', '#summary-csv']) {
    const [download] = await Promise.all([p.waitForEvent('download'), p.locator(link).click()]);
    assert.ok(download.suggestedFilename().startsWith(id), download.suggestedFilename());
  }
  await p.screenshot({ path: join(shots, 'run.png'), fullPage: true });
  await p.context().close();
});

test('the page fits a narrow window without sideways scrolling', async () => {
  const p = await page({ width: 420, height: 900 });
  await ready(p);
  const [scroll, client] = await p.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= client, `${scroll} > ${client}`);
  assert.equal(await p.locator('#national-map path').count(), 342);
  await p.screenshot({ path: join(shots, 'narrow.png'), fullPage: false });
  await p.context().close();
});

test('with --tokens the page asks for the token once and keeps it for the session only', async () => {
  const tokens = join(work, 'tokens');
  writeFileSync(tokens, `modeller:${TOKEN}\n`);
  const secured = await serve(['--tokens', tokens]);
  const p = await page();
  await p.goto(secured + '/');
  await p.locator('#token-dialog[open]').waitFor();
  await p.locator('#token-input').fill('not-the-token-at-all-0000');
  await p.locator('#token-form button').click();
  await p.locator('#token-error').getByText('niet geldig').waitFor();
  await p.locator('#token-input').fill(TOKEN);
  await p.locator('#token-form button').click();
  await p.waitForSelector('body[data-ready="true"]');
  assert.equal(await p.locator('#national-map path').count(), 342);
  const stored = await p.evaluate(() => [sessionStorage.getItem('spreiding-token'), localStorage.length, document.cookie]);
  assert.deepEqual(stored, [TOKEN, 0, '']);
  // A reload in the same tab does not ask again; a new tab (session) does.
  await p.reload();
  await p.waitForSelector('body[data-ready="true"]');
  assert.equal(await p.locator('#token-dialog[open]').count(), 0);
  const fresh = await page();
  await fresh.goto(secured + '/');
  await fresh.locator('#token-dialog[open]').waitFor();
  await fresh.context().close();
  await p.context().close();
});

test('the Toezicht view shows the gap map, the municipalities behind and a timeline, as the API has them', async () => {
  // A dossier of Utrecht (made by the binary), served with --dossiers; two snapshots posted.
  const dossiers = mkdtempSync(join(work, 'dossiers-'));
  const made = spawnSync(bin, ['dossier', 'scenarios/2024-2026/rest-indicative.toml', '--province', 'PV26', '--out', join(dossiers, 'utrecht')], { cwd: root });
  assert.equal(made.status, 0, String(made.stderr));
  const at = await serve(['--dossiers', dossiers]);
  const { decisions } = await (await fetch(at + '/v1/decisions')).json();
  assert.equal(decisions.length, 1);
  const id = decisions[0].id;
  const base = readFileSync(join(root, 'data/nl-2024/illustrative/locations.csv'), 'utf8');
  const s1 = base + 'L9001,GM0344,300,0,existing,2025-02-01,,false,300\nL9002,GM0344,200,10,planned,2025-06-01,,false,210\n';
  const s2 = s1.split('\n').filter((l) => !l.startsWith('L0205,')).join('\n');
  for (const [date, body] of [['2025-03-01', s1], ['2025-06-01', s2]]) {
    const r = await fetch(`${at}/v1/decisions/${id}/snapshots?date=${date}&name=${date}.csv`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body });
    assert.equal(r.status, 201, await r.text());
  }
  const status = await (await fetch(`${at}/v1/decisions/${id}/status?at=2025-06-15`)).json();
  const p = await page({ width: 1280, height: 1000 });
  await ready(p, at);
  await p.locator('#toezicht').waitFor();
  await p.locator('#monitor-at').fill('2025-06-15');
  await p.locator('#monitor-at').dispatchEvent('change');
  await p.locator('#monitor-summary', { hasText: 'Stand op 2025-06-15' }).waitFor();
  // The list: exactly the rows of PV26 behind or overdue, with the API's numbers.
  const behind = status.municipalities.filter((r) => r.province === 'PV26' && (r.status === 'behind' || r.status === 'overdue'));
  assert.ok(behind.length > 0);
  const rows = await p.$$eval('#behind-table tbody tr', (trs) => trs.map((tr) => [tr.dataset.key, [...tr.querySelectorAll('td')].map((td) => td.textContent)]));
  assert.equal(rows.length, behind.length);
  const shown = new Map(rows);
  for (const r of behind) {
    const cells = shown.get(`${r.code}:${r.commodity}`);
    assert.ok(cells, `${r.code} ${r.commodity} listed`);
    assert.deepEqual(cells.slice(1, 5), [nl(r.obligation), nl(r.counted), nl(r.pipeline), nl(r.gap)], `${r.code} ${r.commodity}`);
  }
  // The map: every municipality of Utrecht with its gap (both commodities) as the value.
  const gaps = new Map();
  for (const r of status.municipalities.filter((r) => r.province === 'PV26')) gaps.set(r.code, (gaps.get(r.code) || 0) + r.gap);
  const painted = await p.$$eval('#gap-map path', (ps) => ps.map((x) => [x.dataset.code, x.dataset.value]));
  assert.equal(painted.length, 26);
  for (const [code, v] of painted) {
    if (gaps.has(code)) assert.equal(Number(v), gaps.get(code), code);
  }
  // A row's timeline: Utrecht, regular.
  await p.locator('#behind-table button[data-pick="GM0344:regular"]').click();
  await p.locator('#timeline svg').waitFor();
  const title = await p.locator('#timeline-title').textContent();
  assert.equal(title, 'Utrecht (GM0344), regulier');
  const u = status.municipalities.find((r) => r.code === 'GM0344' && r.commodity === 'regular');
  assert.match(await p.locator('#timeline').textContent(), new RegExp(`Opgave ${nl(u.obligation).replace('.', '\\.')}`));
  assert.match(await p.locator('#timeline').textContent(), /Locatie L0205: 250 plaatsen verloren; staat niet meer op de lijst/);
  await p.locator('#toezicht').scrollIntoViewIfNeeded();
  await p.locator('#toezicht').screenshot({ path: join(shots, 'toezicht.png') });
  await p.context().close();
});
