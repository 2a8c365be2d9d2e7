// The training dashboard's page script: renders the Jobs, Job and Workers pages from the JSON API and keeps them
// live with server-sent events. No build step, no dependencies; charts are SVG drawn here.
'use strict';

const meta = name => document.querySelector(`meta[name="${name}"]`).content;
const page = meta('dashboard-page');
const jobId = meta('dashboard-job');
// Actions carry the token in a header (never a cookie alone): see DashboardAuth on the server.
const token = meta('dashboard-token') || '-';
const main = document.getElementById('main');
const COLORS = ['#2f6fdb', '#e0662f', '#2a9d5b', '#9b4dca', '#c9a227'];

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k.startsWith('data-')) e.setAttribute(k, v); else e[k] = v;
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c ?? '')));
  return e;
}

function svgEl(tag, attrs = {}) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

const fmt = (v, digits = 4) => v === null || v === undefined ? '' : typeof v === 'number' ? (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : +v.toFixed(digits)) : v;
const bytes = b => b >= 1 << 30 ? (b / (1 << 30)).toFixed(2) + ' GiB' : b >= 1 << 20 ? (b / (1 << 20)).toFixed(1) + ' MiB' : b >= 1024 ? (b / 1024).toFixed(1) + ' KiB' : b + ' B';
const when = t => t ? new Date(t).toLocaleTimeString() : '';
const stateBadge = s => el('span', { class: `state state-${s}`, 'data-state': s }, s);

function connection(text) { document.getElementById('connection').textContent = text; }

async function action(name) {
  const message = document.getElementById('message');
  message.textContent = `${name}...`;
  const response = await fetch(`/api/jobs/${encodeURIComponent(jobId)}/${name}`, { method: 'POST', headers: { 'X-Dashboard-Token': token } });
  if (response.ok) { message.textContent = `${name}: done`; return; }
  let detail = await response.text();
  try { detail = JSON.parse(detail).detail ?? detail; } catch { /* plain text */ }
  message.textContent = `${name} refused (${response.status}): ${detail}`;
}

// A line chart: series = [{ name, points: [[x, y], ...] }]; the svg's data-points holds the first series' length.
function lineChart(svg, series) {
  svg.replaceChildren();
  const all = series.flatMap(s => s.points).filter(p => Number.isFinite(p[1]));
  svg.setAttribute('data-points', String(series[0]?.points.length ?? 0));
  const W = 600, H = 220, L = 52, R = 10, T = 10, B = 22;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  if (all.length === 0) { const t = svgEl('text', { x: L, y: H / 2 }); t.textContent = 'no points yet'; svg.append(t); return; }
  let [x0, x1] = [Math.min(...all.map(p => p[0])), Math.max(...all.map(p => p[0]))];
  let [y0, y1] = [Math.min(...all.map(p => p[1])), Math.max(...all.map(p => p[1]))];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) { y0 -= Math.abs(y0) * 0.05 || 1; y1 += Math.abs(y1) * 0.05 || 1; }
  const sx = x => L + (x - x0) / (x1 - x0) * (W - L - R), sy = y => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  svg.append(svgEl('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#9aa5b8' }), svgEl('line', { x1: L, y1: T, x2: L, y2: H - B, stroke: '#9aa5b8' }));
  const label = (x, y, text, anchor) => { const t = svgEl('text', { x, y, 'text-anchor': anchor }); t.textContent = text; svg.append(t); };
  label(L - 4, T + 8, fmt(y1, 3), 'end'); label(L - 4, H - B, fmt(y0, 3), 'end');
  label(L, H - 6, `step ${x0}`, 'start'); label(W - R, H - 6, `step ${x1}`, 'end');
  series.forEach((s, i) => {
    const pts = s.points.filter(p => Number.isFinite(p[1]));
    if (pts.length === 0) return;
    const color = COLORS[i % COLORS.length];
    if (pts.length === 1) svg.append(svgEl('circle', { cx: sx(pts[0][0]), cy: sy(pts[0][1]), r: 3, fill: color }));
    else svg.append(svgEl('polyline', { fill: 'none', stroke: color, 'stroke-width': 1.6, points: pts.map(p => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ') }));
  });
}

function legend(names) {
  return el('div', { class: 'legend' }, ...names.map((n, i) => el('span', {}, el('span', { class: `swatch sw-${i}` }), n)));
}

function chartCard(id, title, names) {
  return el('div', { class: 'card' }, el('h2', {}, title), legend(names), svgEl('svg', { id, class: 'chart', 'data-points': '0' }));
}

function table(id, headers) {
  return el('table', { id }, el('thead', {}, el('tr', {}, ...headers.map(h => el('th', {}, h)))), el('tbody'));
}

// Updates the table in place: a cell whose content did not change stays the same element, so a link under the pointer
// is not swapped out between the press and the release of a click while the rows update several times a second.
function fillRows(tableId, rows) {
  const body = document.querySelector(`#${tableId} tbody`);
  rows.forEach((cells, i) => {
    const tr = body.rows[i] ?? body.appendChild(el('tr'));
    cells.forEach((c, j) => {
      const td = el('td', {}, c);
      const old = tr.cells[j];
      if (!old) tr.appendChild(td);
      else if (old.innerHTML !== td.innerHTML) old.replaceWith(td);
    });
    while (tr.cells.length > cells.length) tr.deleteCell(-1);
  });
  while (body.rows.length > rows.length) body.deleteRow(-1);
}

function clusterStream(onJobs, onWorkers) {
  const source = new EventSource('/api/stream');
  source.onopen = () => connection('live');
  source.onerror = () => connection('reconnecting...');
  source.addEventListener('jobs', e => onJobs?.(JSON.parse(e.data)));
  source.addEventListener('workers', e => onWorkers?.(JSON.parse(e.data)));
  source.addEventListener('problem', e => connection(`cluster: ${JSON.parse(e.data).message}`));
}

function jobsPage() {
  main.append(el('h1', {}, 'Jobs'), table('jobs', ['Job', 'Name', 'State', 'Step', 'Workers', 'Created', 'Updated']));
  clusterStream(jobs => fillRows('jobs', jobs.map(j => [
    el('a', { href: `/jobs/${encodeURIComponent(j.id)}` }, j.id), j.name, stateBadge(j.state), `${j.step} / ${j.totalSteps}`, j.workers, when(j.created), when(j.updated)])));
}

function workersPage() {
  main.append(el('h1', {}, 'Workers'), table('workers', ['GPU', 'Silo', 'Device', 'State', 'Job', 'Rank', 'Step', 'Memory', 'Heartbeat age', 'Problem']));
  clusterStream(null, workers => fillRows('workers', workers.map(w => {
    const s = w.status;
    return [w.gpu, s?.silo, s?.device, s ? stateBadge(s.state) : el('span', { class: 'state state-Failed' }, 'unreachable'), s?.jobId, s?.rank, s?.step,
      s ? bytes(s.memoryBytes) : '', w.heartbeatAgeSeconds === null ? '' : `${w.heartbeatAgeSeconds.toFixed(1)} s`, w.error ?? s?.error ?? ''];
  })));
}

function jobPage() {
  const points = [];
  let status = null;
  main.append(
    el('h1', {}, 'Job ', el('span', { id: 'job-id' }, jobId), ' ', el('span', { id: 'job-state' })),
    el('div', { id: 'job-summary', class: 'muted' }),
    el('div', {},
      el('button', { id: 'cancel', onclick: () => action('cancel') }, 'Cancel'),
      el('button', { id: 'resume', onclick: () => action('resume') }, 'Resume'),
      el('button', { id: 'checkpoint', onclick: () => action('checkpoint') }, 'Checkpoint now')),
    el('div', { id: 'message', class: 'muted' }),
    el('div', { class: 'grid' },
      chartCard('loss-chart', 'Loss', ['train loss', 'eval loss']),
      chartCard('throughput-chart', 'Throughput', ['tokens/s']),
      chartCard('mfu-chart', 'MFU', ['model FLOPs utilization']),
      chartCard('gradnorm-chart', 'Gradient norm', ['grad-norm']),
      chartCard('lr-chart', 'Learning rate', ['lr'])),
    el('div', { class: 'grid' },
      el('div', { class: 'card' }, el('h2', {}, 'Step time per worker (last step)'), table('breakdown', ['Rank', 'GPU', 'Step', 'Data', 'Compute', 'All-reduce', 'Optimizer', 'Checkpoint', 'Split'])),
      el('div', { class: 'card' }, el('h2', {}, 'Checkpoints'), table('checkpoints', ['Name', 'Step', 'Size', 'Duration', 'World', 'Committed']))),
    el('div', { class: 'grid' },
      el('div', { class: 'card' }, el('h2', {}, 'Event timeline'), el('ol', { id: 'timeline' })),
      el('div', { class: 'card', id: 'compression' }, el('h2', {}, 'Compression quality'),
        el('div', { id: 'compression-summary', class: 'muted' }, 'no evaluation yet'),
        table('segments', ['Segment', 'Loss with summaries', 'Loss without', 'Gain']))));

  function drawCharts() {
    const evals = (status?.evaluations ?? []).map(e => [e.step, e.loss]);
    lineChart(document.getElementById('loss-chart'), [{ points: points.map(p => [p.step, p.loss]) }, { points: evals }]);
    lineChart(document.getElementById('throughput-chart'), [{ points: points.map(p => [p.step, p.tokensPerSecond]) }]);
    lineChart(document.getElementById('mfu-chart'), [{ points: points.filter(p => p.mfu !== null).map(p => [p.step, p.mfu]) }]);
    lineChart(document.getElementById('gradnorm-chart'), [{ points: points.map(p => [p.step, p.gradNorm]) }]);
    lineChart(document.getElementById('lr-chart'), [{ points: points.map(p => [p.step, p.lr]) }]);
  }

  function drawStatus() {
    const s = status;
    document.getElementById('job-state').replaceChildren(stateBadge(s.state));
    document.getElementById('job-summary').textContent =
      `${s.spec.name}: step ${s.step} of ${s.totalSteps}, world ${s.worldId ?? 'none'} (${s.world.length} workers)` + (s.error ? `; error: ${s.error}` : '');
    document.getElementById('cancel').disabled = ['Completed', 'Failed', 'Cancelled'].includes(s.state);
    document.getElementById('resume').disabled = !['Failed', 'Cancelled'].includes(s.state);
    document.getElementById('checkpoint').disabled = !['Running', 'Checkpointing'].includes(s.state);
    fillRows('breakdown', s.lastSteps.map(r => {
      const parts = [r.dataSeconds, r.computeSeconds, r.allReduceSeconds, r.optimizerSeconds, r.checkpointSeconds];
      const total = parts.reduce((a, b) => a + b, 0) || 1;
      const split = el('div', { class: 'split' }, ...parts.map((p, i) => { const b = el('span', { class: `bar sw-${i}` }); b.style.width = `${(p / total * 120).toFixed(1)}px`; return b; }));
      return [r.rank, r.gpu, r.step, ...parts.map(p => `${(p * 1000).toFixed(1)} ms`), split];
    }));
    document.getElementById('timeline').replaceChildren(...[...s.events].reverse().map(e =>
      el('li', { 'data-kind': e.kind }, el('span', { class: `kind kind-${e.kind}` }, e.kind), `${when(e.time)} `, e.step !== null ? `step ${e.step}: ` : '', e.detail)));
    drawCompression(s.evaluations);
  }

  function drawCompression(evaluations) {
    const last = evaluations[evaluations.length - 1];
    if (!last) return;
    const m = Object.fromEntries(last.metrics.map(x => [x.name, x.value]));
    const bits = [`step ${last.step}, ${last.samples} samples, loss ${fmt(last.loss)}`];
    // The objective's own measures: AutoCompressor loss_with/without_summaries; ICAE reconstruction_bleu4,
    // reconstruction_exact_match, ...; the per-segment ones go to the table below.
    for (const [name, value] of Object.entries(m)) if (!name.startsWith('segment_')) bits.push(`${name.replaceAll('_', ' ')} ${fmt(value)}`);
    document.getElementById('compression-summary').textContent = bits.join('; ');
    const rows = [];
    for (let i = 0; `segment_${i}_loss_with_summaries` in m; i++) {
      const w = m[`segment_${i}_loss_with_summaries`], wo = m[`segment_${i}_loss_without`] ?? m[`segment_${i}_loss_without_summaries`];
      rows.push([i, fmt(w), fmt(wo), wo === undefined ? '' : fmt(wo - w)]);
    }
    fillRows('segments', rows);
  }

  const source = new EventSource(`/api/jobs/${encodeURIComponent(jobId)}/stream`);
  source.onopen = () => connection('live');
  source.onerror = () => connection('reconnecting...');
  source.addEventListener('status', e => { status = JSON.parse(e.data); drawStatus(); drawCharts(); });
  source.addEventListener('points', e => {
    for (const p of JSON.parse(e.data)) if (points.length === 0 || p.step > points[points.length - 1].step) points.push(p);
    drawCharts();
  });
  source.addEventListener('checkpoints', e => fillRows('checkpoints', JSON.parse(e.data).map(c =>
    [c.name, c.step, bytes(c.bytes), `${c.seconds.toFixed(2)} s`, c.worldSize, c.committed ? 'yes' : c.abandoned ? 'abandoned' : 'in progress'])));
  source.addEventListener('problem', e => connection(`cluster: ${JSON.parse(e.data).message}`));
}

// The standalone dashboard has no Orleans dashboard (that one is served by the silos).
if (document.getElementById('orleans-link').getAttribute('href') === '') document.getElementById('orleans-link').remove();
({ jobs: jobsPage, job: jobPage, workers: workersPage })[page]();
