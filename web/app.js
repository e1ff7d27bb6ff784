// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rxray serve's live page: fetches GET /api/stats once a second and draws
 * it. Every number shown comes from the last response (counts, quantiles)
 * or from it and the one before (rates: the difference of two counts over
 * the difference of their duration_s). Both responses stay readable in
 * document.body.dataset (stats, prevStats) and every number is in an
 * element with a data attribute naming it, so a test can check one against
 * the other (tests/e2e/test_web.sh). Text from the wire (routes, addresses)
 * only ever goes into textContent.
 */
'use strict';

(function () {
	const PERIOD_MS = 1000;
	const HISTORY = 120; /* points kept per series: two minutes */
	const MAX_ENDPOINTS = 100;
	const MAX_ROWS = 10; /* talkers and services shown */
	const SIZE_LABELS = ['≤64', '≤128', '≤256', '≤512', '≤1024', '≤1518', '≤9018', '>9018'];

	/* ---- formatting (tests/lib/web_page.py formats the same way) ---- */

	/* digits grouped by thousands with commas */
	function fmtInt(n) {
		return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
	}
	/* about three significant digits (all of them from 100 up, grouped) */
	function num3(v) {
		const a = Math.abs(v);
		return a >= 100 ? fmtInt(v.toFixed(0)) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
	}
	function fmtRate(v) {
		return v === null ? '—' : num3(v);
	}
	function fmtDur(s) {
		if (s === null || s === undefined)
			return '—';
		if (s < 1e-3)
			return num3(s * 1e6) + ' µs';
		if (s < 1)
			return num3(s * 1e3) + ' ms';
		return num3(s) + ' s';
	}
	function fmtBytes(n) {
		const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
		let k = 0, d = 1;
		while (k < units.length - 1 && n >= d * 1000) {
			d *= 1000;
			k++;
		}
		return k ? num3(n / d) + ' ' + units[k] : fmtInt(n) + ' B';
	}
	function fmtPct(v) {
		return v === null ? '—' : num3(v) + ' %';
	}
	function fmtSi(v) {
		if (v === null)
			return '—';
		const units = ['', 'k', 'M', 'G', 'T'];
		let k = 0, d = 1;
		while (k < units.length - 1 && v >= d * 1000) {
			d *= 1000;
			k++;
		}
		return num3(v / d) + (k ? ' ' + units[k] : '');
	}

	/* ---- rates: (count now - count before) / (duration_s now - before) ---- */

	function rate(cur, prev, dt) {
		if (prev === undefined || prev === null || dt === null || cur < prev)
			return null;
		return (cur - prev) / dt;
	}
	function endpointKey(e) {
		return e['server.port'] + ' ' + e['http.request.method'] + ' ' + e['http.route'];
	}

	/* ---- DOM helpers ---- */

	function $(sel) {
		return document.querySelector(sel);
	}
	function el(tag, attrs, text) {
		const e = document.createElement(tag);
		for (const k in attrs || {})
			e.setAttribute(k, attrs[k]);
		if (text !== undefined)
			e.textContent = text;
		return e;
	}
	function cell(field, text, value, cls) {
		const td = el('td', { 'data-field': field, class: cls || 'n' }, text);
		if (value !== undefined && value !== null)
			td.setAttribute('data-value', String(value));
		return td;
	}
	function css(name) {
		return getComputedStyle(document.body).getPropertyValue(name).trim() || '#888';
	}

	/* ---- state: per interface, the history of what was shown ---- */

	const state = {
		iface: null,          /* the interface shown */
		fetches: 0,
		last: null,           /* the last response, parsed */
		prev: null,           /* the one before */
		hist: new Map(),      /* interface -> { t, pps, bps, rps, eps, ep: Map(key -> rates), lat: Map } */
		selected: null,       /* the endpoint key whose latency is charted */
		histLabels: [],       /* its histogram's bucket labels */
		charts: {},
	};

	function ifaceHist(name) {
		let h = state.hist.get(name);
		if (!h) {
			h = { t: [], pps: [], bps: [], rps: [], eps: [], ep: new Map(), lat: new Map() };
			state.hist.set(name, h);
		}
		return h;
	}
	function push(a, v) {
		a.push(v);
		if (a.length > HISTORY)
			a.shift();
	}

	function findIface(resp, name) {
		if (!resp)
			return null;
		return resp.interfaces.find((i) => i.interface === name) || null;
	}

	/* The window between the response before and this one, for one interface. */
	function windowOf(cur, prev) {
		const dt = prev ? cur.duration_s - prev.duration_s : null;
		return { prev: prev, dt: dt !== null && dt > 0 && cur.packets >= prev.packets ? dt : null };
	}

	function httpTotals(i) {
		let count = 0, errors = 0;
		for (const e of i.endpoints) {
			count += e.count;
			errors += e.errors;
		}
		return { count: count, errors: errors };
	}

	/* Add this response's rates to every interface's history. */
	function record(now) {
		for (const cur of state.last.interfaces) {
			const h = ifaceHist(cur.interface);
			const w = windowOf(cur, findIface(state.prev, cur.interface));
			if (!w.dt)
				continue;
			const a = httpTotals(cur), b = httpTotals(w.prev);
			push(h.t, now);
			push(h.pps, rate(cur.packets, w.prev.packets, w.dt));
			push(h.bps, rate(cur.bytes * 8, w.prev.bytes * 8, w.dt));
			push(h.rps, rate(a.count, b.count, w.dt));
			push(h.eps, rate(a.errors, b.errors, w.dt));
			const before = new Map(w.prev.endpoints.map((e) => [endpointKey(e), e]));
			for (const e of cur.endpoints) {
				const k = endpointKey(e), p = before.get(k);
				let r = h.ep.get(k), l = h.lat.get(k);
				if (!r) {
					r = [];
					h.ep.set(k, r);
					l = { t: [], p50: [], p90: [], p99: [] };
					h.lat.set(k, l);
				}
				push(r, rate(e.count, p ? p.count : 0, w.dt));
				push(l.t, now);
				push(l.p50, e.duration_s.p50 * 1e3);
				push(l.p90, e.duration_s.p90 * 1e3);
				push(l.p99, e.duration_s.p99 * 1e3);
			}
		}
	}

	/* ---- drawing: sparklines and spread bars on small canvases ---- */

	function canvas(w, h) {
		const c = el('canvas', { width: String(w * devicePixelRatio), height: String(h * devicePixelRatio) });
		c.style.width = w + 'px';
		c.style.height = h + 'px';
		return c;
	}
	function sparkline(values) {
		const w = 90, h = 22, c = canvas(w, h), g = c.getContext('2d');
		const v = values.filter((x) => x !== null);
		g.scale(devicePixelRatio, devicePixelRatio);
		if (v.length < 2)
			return c;
		const max = Math.max(...v, 1e-9);
		g.strokeStyle = css('--accent');
		g.lineWidth = 1.5;
		g.beginPath();
		v.forEach((x, j) => {
			const px = (j / (v.length - 1)) * (w - 2) + 1;
			const py = h - 2 - (x / max) * (h - 4);
			if (j)
				g.lineTo(px, py);
			else
				g.moveTo(px, py);
		});
		g.stroke();
		return c;
	}
	/* min to max as a line, p50 to p99 as a box, p90 a tick; x on a log scale shared by the table */
	function spread(d, lo, hi) {
		const w = 140, h = 14, c = canvas(w, h), g = c.getContext('2d');
		const x = (s) => 2 + ((Math.log10(Math.max(s, lo)) - Math.log10(lo)) /
			Math.max(Math.log10(hi) - Math.log10(lo), 1e-9)) * (w - 4);
		g.scale(devicePixelRatio, devicePixelRatio);
		g.fillStyle = g.strokeStyle = css('--muted');
		g.fillRect(x(d.min), h / 2 - 0.5, Math.max(x(d.max) - x(d.min), 1), 1);
		g.fillStyle = css('--accent');
		g.fillRect(x(d.p50), 3, Math.max(x(d.p99) - x(d.p50), 2), h - 6);
		g.fillStyle = css('--warn');
		g.fillRect(x(d.p90) - 1, 1, 2, h - 2);
		return c;
	}

	/* ---- the tables ---- */

	function renderEndpoints(cur, w, h) {
		const tb = $('#endpoints tbody');
		const eps = cur.endpoints.slice().sort((a, b) => b.count - a.count ||
			(endpointKey(a) < endpointKey(b) ? -1 : 1));
		const shown = eps.slice(0, MAX_ENDPOINTS);
		const before = w.prev ? new Map(w.prev.endpoints.map((e) => [endpointKey(e), e])) : null;
		let lo = Infinity, hi = 0;
		for (const e of shown) {
			lo = Math.min(lo, e.duration_s.min > 0 ? e.duration_s.min : 1e-6);
			hi = Math.max(hi, e.duration_s.max);
		}
		if (!state.selected || !shown.some((e) => endpointKey(e) === state.selected))
			state.selected = shown.length ? endpointKey(shown[0]) : null;
		const rows = shown.map((e) => {
			const k = endpointKey(e), d = e.duration_s;
			const p = before ? before.get(k) : undefined;
			const r = w.dt ? rate(e.count, p ? p.count : 0, w.dt) : null;
			const tr = el('tr', { 'data-endpoint': k, tabindex: '0' });
			if (k === state.selected)
				tr.className = 'selected';
			const name = el('td', { 'data-field': 'endpoint', class: 'ep' });
			name.append(el('span', { class: 'method' }, e['http.request.method']), ' ',
				el('span', { class: 'route' }, e['http.route']), ' ',
				el('span', { class: 'port' }, ':' + e['server.port']));
			const spark = el('td', { class: 'spark' });
			spark.append(sparkline(h.ep.get(k) || []));
			const sp = el('td', { class: 'spark' });
			sp.append(spread(d, lo, Math.max(hi, lo * 10)));
			const pct = e.count ? 100 * e.errors / e.count : null;
			tr.append(name, cell('rate', fmtRate(r), r), spark,
				cell('count', fmtInt(e.count), e.count),
				cell('errors', fmtInt(e.errors), e.errors),
				cell('error_pct', fmtPct(pct), pct),
				cell('p50', fmtDur(d.p50), d.p50), cell('p90', fmtDur(d.p90), d.p90),
				cell('p99', fmtDur(d.p99), d.p99), cell('max', fmtDur(d.max), d.max), sp);
			if (e.errors)
				tr.querySelector('[data-field=errors]').classList.add('bad');
			return tr;
		});
		/* the rows are new each time: keep the keyboard's focus on the same endpoint */
		const focused = document.activeElement && document.activeElement.getAttribute('data-endpoint');
		tb.replaceChildren(...rows);
		if (focused)
			rows.find((tr) => tr.getAttribute('data-endpoint') === focused)?.focus();
		$('#endpoints-note').textContent = !eps.length
			? 'No HTTP transaction seen yet.'
			: eps.length > shown.length
				? 'The ' + shown.length + ' busiest of ' + eps.length + ' endpoints (/api/stats has them all). Click a row to chart its latency.'
				: 'Click a row to chart its latency.';
	}

	/* talkers or services: rows of the top N, the rate where the entry was in the response before */
	function renderTop(sel, list, prevList, keyOf, label, total, w) {
		const before = prevList ? new Map(prevList.map((x) => [keyOf(x), x])) : null;
		const rows = list.slice(0, MAX_ROWS).map((x) => {
			const k = keyOf(x), p = before ? before.get(k) : undefined;
			const r = w.dt && p ? rate(x.packets, p.packets, w.dt) : null;
			const share = total ? 100 * x.packets / total : null;
			const tr = el('tr', { 'data-key': k });
			tr.append(cell('key', label(x), undefined, 'key'), cell('rate', fmtRate(r), r),
				cell('packets', fmtInt(x.packets), x.packets), cell('bytes', fmtBytes(x.bytes), x.bytes),
				cell('share', fmtPct(share), share));
			return tr;
		});
		$(sel + ' tbody').replaceChildren(...rows);
		$(sel + '-note').textContent = list.length > MAX_ROWS
			? 'The top ' + MAX_ROWS + ' of the ' + list.length + ' in /api/stats.' : list.length ? '' : 'None yet.';
	}

	const TCP_EVENTS = ['handshakes', 'flows', 'syn_retransmits', 'retransmits', 'rst_from_client',
		'rst_from_server', 'zero_windows', 'segments', 'syn', 'rst', 'fin'];

	function renderTcp(cur, w) {
		const t = cur.tcp, pt = w.prev ? w.prev.tcp : null;
		$('#tcp tbody').replaceChildren(...TCP_EVENTS.map((k) => {
			const r = w.dt ? rate(t[k], pt[k], w.dt) : null;
			const tr = el('tr', { 'data-tcp': k });
			tr.append(cell('name', k.replace(/_/g, ' '), undefined, 'key'), cell('rate', fmtRate(r), r),
				cell('count', fmtInt(t[k]), t[k]));
			if (/^(rst|retrans|syn_re|zero)/.test(k) && t[k])
				tr.classList.add('warn');
			return tr;
		}));
		$('#tcp-latency tbody').replaceChildren(...['synack_delay_s', 'handshake_rtt_s'].map((k) => {
			const q = t[k], tr = el('tr', { 'data-tcp': k });
			tr.append(cell('name', k === 'synack_delay_s' ? 'SYN-ACK delay (server)' : 'RTT (client)',
				undefined, 'key'), cell('count', fmtInt(q.count), q.count),
			cell('p50', fmtDur(q.p50), q.p50), cell('p90', fmtDur(q.p90), q.p90),
			cell('p99', fmtDur(q.p99), q.p99));
			return tr;
		}));
	}

	function renderAlerts(cur) {
		const list = cur.alerts || [];
		$('#alerts tbody').replaceChildren(...list.map((a) => {
			const tr = el('tr', { 'data-alert': String(a.alert), class: a.state === 'firing' ? 'bad' : '' });
			tr.append(cell('alert', String(a.alert), undefined, 'key'), cell('state', String(a.state), undefined, 'key'),
				cell('severity', String(a.severity), undefined, 'key'),
				cell('since', a.since ? new Date(a.since * 1000).toLocaleTimeString() : '—', a.since, 'key'),
				cell('action', String(a.action), undefined, 'key'));
			return tr;
		}));
		$('#alerts-note').textContent = list.length ? '' : 'No alerts.';
	}

	function renderLost(cur) {
		const items = Object.keys(cur.lost).filter((k) => cur.lost[k]).map((k) => {
			const li = el('li', { 'data-lost': k, class: 'bad' });
			li.append(el('span', { class: 'k' }, k.replace(/_/g, ' ')), ' ',
				el('span', { 'data-field': 'count', 'data-value': String(cur.lost[k]) }, fmtInt(cur.lost[k])));
			return li;
		});
		if (!items.length)
			items.push(el('li', { class: 'good' }, 'Nothing lost: every packet and record counted.'));
		$('#lost').replaceChildren(...items);
	}

	function renderSummary(cur, w) {
		const a = httpTotals(cur), b = w.prev ? httpTotals(w.prev) : null;
		const v = {
			pps: w.dt ? rate(cur.packets, w.prev.packets, w.dt) : null,
			bps: w.dt ? rate(cur.bytes * 8, w.prev.bytes * 8, w.dt) : null,
			rps: w.dt ? rate(a.count, b.count, w.dt) : null,
			eps: w.dt ? rate(a.errors, b.errors, w.dt) : null,
		};
		for (const k in v) {
			const e = $('[data-summary=' + k + ']');
			e.textContent = fmtSi(v[k]);
			e.setAttribute('data-value', v[k] === null ? '' : String(v[k]));
		}
		$('[data-summary=packets]').textContent = fmtInt(cur.packets);
		$('[data-summary=window]').textContent = fmtDur(cur.duration_s);
	}

	/* ---- the charts (uPlot) ---- */

	function chartWidth(id) {
		return Math.max(200, Math.floor(document.getElementById(id).clientWidth));
	}
	function makeCharts() {
		if (typeof uPlot === 'undefined')
			return;
		const axis = { stroke: css('--fg'), grid: { stroke: css('--grid') }, ticks: { stroke: css('--grid') } };
		const yaxis = Object.assign({}, axis, { size: 56, values: (u, vals) => vals.map((v) => (v ? fmtSi(v) : '0')) });
		const mk = (id, opts, data) => {
			state.charts[id] = new uPlot(Object.assign({ width: chartWidth(id), height: 180 }, opts), data,
				document.getElementById(id));
		};
		mk('chart-traffic', {
			series: [{}, { label: 'packets/s', stroke: css('--accent'), width: 1.5 },
				{ label: 'requests/s', stroke: css('--good'), width: 1.5 },
				{ label: 'errors/s', stroke: css('--bad'), width: 1.5 }],
			axes: [axis, yaxis],
		}, [[], [], [], []]);
		mk('chart-latency', {
			series: [{}, { label: 'p50 ms', stroke: css('--good'), width: 1.5 },
				{ label: 'p90 ms', stroke: css('--warn'), width: 1.5 },
				{ label: 'p99 ms', stroke: css('--bad'), width: 1.5 }],
			axes: [axis, yaxis],
		}, [[], [], [], []]);
		mk('chart-hist', {
			scales: { x: { time: false } },
			series: [{ label: 'bucket', value: (u, i) => (i === null ? '—' : state.histLabels[i] || '') },
				{ label: 'requests', fill: css('--good'), stroke: css('--good'),
					paths: uPlot.paths.bars({ size: [0.7, 60] }), points: { show: false } }],
			axes: [Object.assign({}, axis, { values: (u, vals) => vals.map((i) => state.histLabels[i] || '') }), yaxis],
		}, [[], []]);
		mk('chart-sizes', {
			scales: { x: { time: false } },
			series: [{ label: 'bucket', value: (u, i) => (i === null ? '—' : SIZE_LABELS[i]) },
				{ label: 'packets', fill: css('--accent'), stroke: css('--accent'),
					paths: uPlot.paths.bars({ size: [0.7, 60] }), points: { show: false } }],
			axes: [Object.assign({}, axis, { values: (u, vals) => vals.map((i) => SIZE_LABELS[i] || '') }), yaxis],
		}, [[0, 1, 2, 3, 4, 5, 6, 7], [0, 0, 0, 0, 0, 0, 0, 0]]);
		window.addEventListener('resize', () => {
			for (const id in state.charts)
				state.charts[id].setSize({ width: chartWidth(id), height: 180 });
		});
	}

	/* the selected endpoint's latency histogram: its buckets as /api/stats gave them */
	function histLabel(lo, hi) {
		return hi === undefined ? '>' + fmtDur(lo) : '≤' + fmtDur(hi);
	}
	function renderHist(cur, chart) {
		const e = cur.endpoints.find((x) => endpointKey(x) === state.selected);
		const d = e ? e.duration_s : null;
		const fig = $('#latency-hist');
		$('#hist-of').textContent = state.selected || 'no endpoint yet';
		if (!d || !d.bucket_counts) {
			fig.removeAttribute('data-counts');
			fig.removeAttribute('data-endpoint');
			chart.setData([[], []]);
			return;
		}
		const b = d.explicit_bounds;
		state.histLabels = d.bucket_counts.map((n, i) => histLabel(b[i - 1], b[i]));
		fig.setAttribute('data-endpoint', state.selected);
		fig.setAttribute('data-counts', JSON.stringify(d.bucket_counts));
		chart.setData([d.bucket_counts.map((n, i) => i), d.bucket_counts.slice()]);
	}

	function renderCharts(cur, h) {
		const c = state.charts;
		if (!c['chart-traffic'])
			return;
		c['chart-traffic'].setData([h.t.slice(), h.pps.slice(), h.rps.slice(), h.eps.slice()]);
		const l = state.selected ? h.lat.get(state.selected) : null;
		$('#latency-of').textContent = state.selected || 'no endpoint yet';
		c['chart-latency'].setData(l ? [l.t.slice(), l.p50.slice(), l.p90.slice(), l.p99.slice()] : [[], [], [], []]);
		renderHist(cur, c['chart-hist']);
		c['chart-sizes'].setData([cur.sizes.map((s, i) => i), cur.sizes.map((s) => s.packets)]);
	}

	/* ---- one refresh ---- */

	function renderIfaces() {
		const sel = $('#iface');
		const names = state.last.interfaces.map((i) => i.interface);
		if (!state.iface || !names.includes(state.iface))
			state.iface = names[0] || null;
		if (sel.options.length !== names.length || names.some((n, j) => sel.options[j].value !== n))
			sel.replaceChildren(...names.map((n) => el('option', { value: n }, n)));
		sel.value = state.iface;
		document.body.dataset.interface = state.iface || '';
	}

	function render() {
		renderIfaces();
		const cur = findIface(state.last, state.iface);
		if (!cur)
			return;
		const w = windowOf(cur, findIface(state.prev, state.iface));
		const h = ifaceHist(state.iface);
		renderSummary(cur, w);
		renderEndpoints(cur, w, h);
		renderTop('#talkers', cur.talkers, w.prev && w.prev.talkers, (x) => x.address, (x) => x.address,
			cur.packets, w);
		renderTop('#services', cur.services, w.prev && w.prev.services, (x) => x.port + '/' + x.proto,
			(x) => x.port + '/' + x.proto, cur.packets, w);
		renderTcp(cur, w);
		renderAlerts(cur);
		renderLost(cur);
		renderCharts(cur, h);
	}

	function status(ok, text) {
		const s = $('#status');
		s.dataset.state = ok ? 'ok' : 'error';
		s.textContent = text;
	}

	/* The response's text is kept as it came, and everything drawn from it in the same task. */
	function accept(text) {
		const parsed = JSON.parse(text);
		const body = document.body;
		state.prev = state.last;
		state.last = parsed;
		body.dataset.prevStats = body.dataset.stats || '';
		body.dataset.stats = text;
		state.fetches++;
		record(Date.now() / 1000);
		render();
		body.dataset.fetches = String(state.fetches);
		status(true, 'live · updated ' + new Date().toLocaleTimeString());
	}

	async function tick() {
		try {
			const r = await fetch('/api/stats', { cache: 'no-store', headers: { Accept: 'application/json' } });
			if (!r.ok)
				throw new Error('HTTP ' + r.status);
			accept(await r.text());
		} catch (e) {
			/* shown, not logged: the page keeps the last numbers and tries again */
			status(false, 'no answer from the agent (' + e.message + '), retrying; numbers as of the last answer');
		}
		setTimeout(tick, PERIOD_MS);
	}

	function start() {
		makeCharts();
		$('#iface').addEventListener('change', (ev) => {
			state.iface = ev.target.value;
			state.selected = null;
			render();
		});
		const choose = (ev) => {
			const tr = ev.target.closest('tr[data-endpoint]');
			if (!tr || (ev.type === 'keydown' && ev.key !== 'Enter' && ev.key !== ' '))
				return;
			ev.preventDefault();
			state.selected = tr.getAttribute('data-endpoint');
			render();
		};
		$('#endpoints tbody').addEventListener('click', choose);
		$('#endpoints tbody').addEventListener('keydown', choose);
		tick();
	}

	if (document.readyState === 'loading')
		document.addEventListener('DOMContentLoaded', start);
	else
		start();
})();
