// The console: plain ES modules, no dependencies, no inline script (the CSP
// forbids it). Talks only to /admin/api/ with the session cookie and the
// session's CSRF token. Untrusted text goes in with textContent, never HTML.
import { GUIDES, PROVIDERS } from '/admin/guides.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const statusLine = document.getElementById('status');
let session = null;  // {kind, tenant, csrfToken}

// h('tag', {attr: value, onclick: fn}, child, 'text', ...)
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function say(text, ok = true) {
  statusLine.textContent = text;
  statusLine.className = ok ? 'ok' : 'error';
}

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (session && method !== 'GET') headers['X-CSRF-Token'] = session.csrfToken;
  const res = await fetch('/admin/api' + path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : {};
  if (res.status === 401 && path !== '/session') {
    session = null;
    show();
  }
  if (!res.ok) throw new Error(data.detail || `HTTP ${res.status}`);
  return data;
}

function when(iso) {
  return iso && !iso.startsWith('1970-') ? new Date(iso).toLocaleString() : '—';
}

function providerName(id) {
  const p = PROVIDERS.find(([key]) => key === id);
  return p ? p[1] : '—';
}

async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    say(`${what} copied`);
  } catch {
    say(`Copy ${what} by hand: the browser refused the clipboard`, false);
  }
}

function signInView() {
  nav.hidden = true;
  const token = h('input', { type: 'password', id: 'admin-token', autocomplete: 'off', required: true });
  const form = h('form', {
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        session = await api('POST', '/session', { token: token.value });
        token.value = '';
        location.hash = '#/tenants';
        show();
      } catch (err) {
        say(err.message, false);
      }
    },
  }, h('label', { for: 'admin-token' }, 'Admin token'), token, h('button', { type: 'submit' }, 'Sign in'));
  return [h('h1', {}, 'Sign in'), form];
}

async function tenantsView() {
  const { tenants } = await api('GET', '/tenants');
  const cells = new Map();
  const rows = tenants.map((t) => {
    const figures = [h('td', { class: 'users' }, '…'), h('td', { class: 'groups' }, '…'), h('td', { class: 'last' }, '…')];
    cells.set(t.id, figures);
    return h('tr', { 'data-tenant': t.id },
      h('td', {}, h('a', { href: `#/tenants/${encodeURIComponent(t.id)}` }, t.id)),
      h('td', {}, t.disabled ? 'disabled' : 'enabled'),
      h('td', {}, providerName(t.settings.identityProvider)),
      ...figures,
      h('td', {}, when(t.created)));
  });
  // Each tenant's counts and newest activity, a few requests at a time.
  const queue = tenants.map((t) => t.id);
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const [users, groups, last] = cells.get(id);
      try {
        const s = await api('GET', `/tenants/${encodeURIComponent(id)}/summary`);
        users.textContent = String(s.users ?? '');
        groups.textContent = String(s.groups ?? '');
        last.textContent = s.lastActivity ? `${when(s.lastActivity.time)} ${s.lastActivity.operation}` : 'none';
      } catch { users.textContent = groups.textContent = last.textContent = '?'; }
    }
  };
  Promise.all([worker(), worker(), worker(), worker()]);
  const name = h('input', { id: 'tenant-name', required: true, pattern: '[a-z0-9][a-z0-9\\-]{0,62}' });
  const idp = h('select', { id: 'tenant-idp' }, PROVIDERS.map(([id, label]) => h('option', { value: id }, label)));
  const form = h('form', {
    hidden: true,
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        const t = await api('POST', '/tenants', { name: name.value, identityProvider: idp.value });
        say(`Tenant ${t.id} created`);
        location.hash = `#/tenants/${encodeURIComponent(t.id)}`;
      } catch (err) {
        say(err.message, false);
      }
    },
  }, h('label', { for: 'tenant-name' }, 'Tenant name'), name,
     h('label', { for: 'tenant-idp' }, 'Identity provider'), idp,
     h('button', { type: 'submit' }, 'Create'));
  const open = h('button', { type: 'button', onclick: () => { form.hidden = false; name.focus(); } }, 'New tenant');
  return [h('h1', {}, 'Tenants'), open, form,
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Tenant'), h('th', {}, 'Status'),
      h('th', {}, 'Identity provider'), h('th', {}, 'Users'), h('th', {}, 'Groups'), h('th', {}, 'Last activity'),
      h('th', {}, 'Created'))), h('tbody', {}, rows))];
}

function guideSection(idp) {
  const guide = GUIDES[idp] || GUIDES.other;
  return h('section', { 'aria-labelledby': 'guide-title' },
    h('h2', { id: 'guide-title' }, `Setup guide: ${providerName(idp || 'other')}`),
    h('ol', {}, guide.steps.map((s) => h('li', {}, s))),
    h('h3', {}, 'Attribute mappings'),
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'SCIM attribute'), h('th', {}, `${providerName(idp || 'other')} attribute`))),
      h('tbody', {}, guide.mappings.map(([scim, theirs]) => h('tr', {}, h('td', {}, h('code', {}, scim)), h('td', {}, theirs))))),
    h('h3', {}, 'Notes'),
    h('ul', {}, guide.notes.map((n) => h('li', {}, n))));
}

// A secret shown once: with a copy button, gone on the next render.
function shownOnce(label, secret) {
  return h('div', { class: 'row', role: 'group', 'aria-label': label },
    h('span', {}, `${label} (shown only this once):`), h('code', { class: 'secret' }, secret),
    h('button', { type: 'button', onclick: () => copy(secret, label) }, `Copy ${label.toLowerCase()}`));
}

async function tenantView(id) {
  const admin = session.kind === 'admin';
  const tenant = await api('GET', `/tenants/${encodeURIComponent(id)}`);
  const { keys } = await api('GET', `/tenants/${encodeURIComponent(id)}/keys`);
  const base = `${location.origin}/t/${tenant.id}/scim/v2`;
  const shown = h('div', { id: 'shown-once' });
  const rerender = async (note) => { await show(); if (note) say(note); };
  const keyRows = keys.map((k) => h('tr', {},
    h('td', {}, h('code', {}, k.id)), h('td', {}, when(k.created)), h('td', {}, when(k.lastUsed)),
    h('td', {}, when(k.expires)), h('td', {}, k.state),
    h('td', {}, k.state === 'active' ? h('div', { class: 'row' },
      h('button', {
        type: 'button', 'aria-label': 'Rotate', title: `Rotate key ${k.id}`,
        onclick: async () => {
          try {
            const made = await api('POST', `/tenants/${encodeURIComponent(id)}/keys/${k.id}/rotate`, { graceSeconds: 86400 });
            await rerender('Key rotated; the old one works for 24 hours');
            document.getElementById('shown-once').replaceChildren(shownOnce('API key', made.secret));
          } catch (err) { say(err.message, false); }
        },
      }, 'Rotate'),
      h('button', {
        type: 'button', 'aria-label': 'Revoke', title: `Revoke key ${k.id}`,
        onclick: async () => {
          try {
            await api('DELETE', `/tenants/${encodeURIComponent(id)}/keys/${k.id}`);
            await rerender(`Key ${k.id} revoked`);
          } catch (err) { say(err.message, false); }
        },
      }, 'Revoke')) : '')));
  const createKey = h('button', {
    type: 'button',
    onclick: async () => {
      try {
        const made = await api('POST', `/tenants/${encodeURIComponent(id)}/keys`, {});
        await rerender('API key created');
        document.getElementById('shown-once').replaceChildren(shownOnce('API key', made.secret));
      } catch (err) { say(err.message, false); }
    },
  }, 'Create API key');
  const parts = [
    h('h1', {}, tenant.id),
    h('p', {}, `Status: ${tenant.disabled ? 'disabled' : 'enabled'} · Identity provider: ${providerName(tenant.settings.identityProvider)}`),
    h('h2', {}, 'SCIM base URL'),
    h('div', { class: 'row' }, h('code', { id: 'base-url' }, base),
      h('button', { type: 'button', onclick: () => copy(base, 'Base URL') }, 'Copy base URL')),
    h('h2', {}, 'API keys'), createKey, shown,
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Key'), h('th', {}, 'Created'), h('th', {}, 'Last used'),
      h('th', {}, 'Expires'), h('th', {}, 'State'), h('th', {}, 'Actions'))), h('tbody', {}, keyRows)),
  ];
  if (admin) {
    const toggle = tenant.disabled ? 'Enable' : 'Disable';
    const link = h('div', { id: 'setup-link' });
    const confirmName = h('input', { id: 'confirm-name', autocomplete: 'off' });
    parts.push(
      h('h2', {}, 'Operations'),
      h('div', { class: 'row' },
        h('button', {
          type: 'button',
          onclick: async () => {
            try {
              await api('POST', `/tenants/${encodeURIComponent(id)}/${toggle.toLowerCase()}`, {});
              await rerender(`Tenant ${toggle.toLowerCase()}d`);
            } catch (err) { say(err.message, false); }
          },
        }, toggle),
        h('button', {
          type: 'button',
          onclick: async () => {
            try {
              const made = await api('POST', `/tenants/${encodeURIComponent(id)}/setup-links`, {});
              link.replaceChildren(shownOnce('Setup link', made.url));
            } catch (err) { say(err.message, false); }
          },
        }, 'Create setup link')),
      link,
      h('form', {
        onsubmit: async (e) => {
          e.preventDefault();
          try {
            await api('DELETE', `/tenants/${encodeURIComponent(id)}?confirm=${encodeURIComponent(confirmName.value)}`);
            say(`Tenant ${id} deleted`);
            location.hash = '#/tenants';
          } catch (err) { say(err.message, false); }
        },
      }, h('label', { for: 'confirm-name' }, 'Type the tenant name to delete it'), confirmName,
         h('button', { type: 'submit' }, 'Delete tenant')));
  }
  {
    const results = h('ul', { id: 'test-results', 'aria-live': 'polite' });
    parts.push(h('h2', {}, 'Test connection'),
      h('button', {
        type: 'button',
        onclick: async () => {
          results.replaceChildren(h('li', {}, 'Testing…'));
          try {
            const report = await api('POST', `/tenants/${encodeURIComponent(id)}/test`, {});
            results.replaceChildren(...report.steps.map((s) => h('li', { class: s.ok ? 'ok' : 'error' },
              `${s.ok ? '✓' : '✗'} ${s.step}: ${s.detail}`)));
          } catch (err) { results.replaceChildren(h('li', { class: 'error' }, err.message)); }
        },
      }, 'Test connection'), results);
  }
  parts.push(guideSection(tenant.settings.identityProvider));
  return parts;
}

// A tenant picker for the screens that look at one tenant at a time.
async function tenantPicker(current, go) {
  const { tenants } = await api('GET', '/tenants');
  const select = h('select', { id: 'pick-tenant', onchange: () => go(select.value) },
    tenants.map((t) => h('option', { value: t.id, selected: t.id === current }, t.id)));
  return { select, first: tenants.length ? tenants[0].id : '', label: h('label', { for: 'pick-tenant' }, 'Tenant') };
}

let activityTimer = null;

async function activityView(tenant) {
  // A setup link sees its own tenant only: no picker.
  const picker = session.kind === 'admin'
    ? await tenantPicker(tenant, (t) => { location.hash = `#/activity/${encodeURIComponent(t)}`; })
    : { label: '', select: '', first: session.tenant };
  tenant = tenant || picker.first;
  const kind = h('select', { id: 'activity-kind' },
    [['', 'All operations'], ['user.', 'Users'], ['group.', 'Groups'], ['request.denied', 'Refused requests'],
     ['key.', 'API keys'], ['tenant.', 'Tenant'], ['setup_link.', 'Setup links']]
      .map(([v, l]) => h('option', { value: v }, l)));
  const text = h('input', { id: 'activity-text', type: 'search' });
  const chain = h('p', { id: 'chain' });
  const body = h('tbody');
  let events = [];
  let after = 0;
  const render = () => {
    const needle = text.value.toLowerCase();
    const rows = events.filter((e) => (!kind.value || e.operation.startsWith(kind.value)) &&
      (!needle || JSON.stringify(e).toLowerCase().includes(needle)));
    body.replaceChildren(...rows.slice().reverse().map((e) => h('tr', {},
      h('td', {}, when(e.time)), h('td', {}, e.operation), h('td', {}, [e.resourceType, e.resourceId].filter(Boolean).join(' ')),
      h('td', {}, e.actor), h('td', {}, e.clientAddress), h('td', {}, e.outcome || 'success'))));
  };
  kind.addEventListener('change', render);
  text.addEventListener('input', render);
  const poll = async () => {
    if (!tenant || !document.body.contains(body)) { clearInterval(activityTimer); return; }
    try {
      for (;;) {
        const page = await api('GET', `/tenants/${encodeURIComponent(tenant)}/activity?after=${after}&limit=500`);
        events = events.concat(page.events).slice(-2000);
        if (page.events.length) after = page.events[page.events.length - 1].sequence;
        if (!page.next) break;
      }
      const v = await api('GET', `/tenants/${encodeURIComponent(tenant)}/activity/verify`);
      chain.textContent = v.ok ? `Hash chain verified: ${v.events} events` : `Hash chain BROKEN at ${v.firstBrokenSequence}: ${v.detail}`;
      chain.className = v.ok ? 'ok' : 'error';
      render();
    } catch (err) { say(err.message, false); }
  };
  clearInterval(activityTimer);
  await poll();
  activityTimer = setInterval(poll, 3000);
  return [h('h1', {}, 'Activity'), h('div', { class: 'row' }, picker.label, picker.select,
    h('label', { for: 'activity-kind' }, 'Show'), kind, h('label', { for: 'activity-text' }, 'Filter'), text), chain,
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Time'), h('th', {}, 'Operation'), h('th', {}, 'Resource'),
      h('th', {}, 'Credential'), h('th', {}, 'Client address'), h('th', {}, 'Result'))), body)];
}

async function directoryView(tenant, what = 'users', id = '') {
  const picker = await tenantPicker(tenant, (t) => { location.hash = `#/directory/${encodeURIComponent(t)}`; });
  tenant = tenant || picker.first;
  const base = `/tenants/${encodeURIComponent(tenant)}`;
  const head = [h('h1', {}, 'Directory'), h('div', { class: 'row' }, picker.label, picker.select,
    h('a', { href: `#/directory/${encodeURIComponent(tenant)}/users` }, 'Users'),
    h('a', { href: `#/directory/${encodeURIComponent(tenant)}/groups` }, 'Groups'))];
  if (!tenant) return head;
  if (id) {
    const resource = await api('GET', `${base}/${what}/${encodeURIComponent(id)}`);
    const parts = [...head, h('h2', {}, resource.userName || resource.displayName || id),
      h('pre', { id: 'raw-json' }, JSON.stringify(resource, null, 2))];
    if (what === 'groups') {
      const list = h('ul', { id: 'members' });
      let start = 1;
      const more = h('button', {
        type: 'button',
        onclick: async () => {
          const page = await api('GET', `${base}/groups/${encodeURIComponent(id)}/members?startIndex=${start}&count=50`);
          list.append(...page.Resources.map((u) => h('li', {}, h('a', { href: `#/directory/${encodeURIComponent(tenant)}/users/${u.id}` }, u.userName))));
          start += page.Resources.length;
          more.hidden = start > page.totalResults;
        },
      }, 'More members');
      parts.push(h('h3', {}, 'Members'), list, more);
      more.click();
    }
    return parts;
  }
  const filter = h('input', { id: 'scim-filter', type: 'search', placeholder: what === 'users' ? 'userName sw "a"' : 'displayName sw "a"' });
  const body = h('tbody');
  const total = h('p');
  const search = async () => {
    try {
      const q = filter.value ? `&filter=${encodeURIComponent(filter.value)}` : '';
      const page = await api('GET', `${base}/${what}?count=50${q}`);
      total.textContent = `${page.totalResults} ${what}`;
      body.replaceChildren(...page.Resources.map((r) => h('tr', {},
        h('td', {}, h('a', { href: `#/directory/${encodeURIComponent(tenant)}/${what}/${r.id}` }, r.userName || r.displayName || r.id)),
        h('td', {}, r.displayName || ''), h('td', {}, r.active === false ? 'inactive' : ''))));
    } catch (err) { say(err.message, false); }
  };
  const form = h('form', { onsubmit: (e) => { e.preventDefault(); search(); } },
    h('label', { for: 'scim-filter' }, 'SCIM filter'), filter, h('button', { type: 'submit' }, 'Search'));
  await search();
  return [...head, h('h2', {}, what === 'users' ? 'Users' : 'Groups'), form, total,
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Display name'), h('th', {}, 'State'))), body)];
}

async function show() {
  try {
    if (!session) {
      try {
        session = await api('GET', '/session');
      } catch {
        session = null;
      }
    }
    if (!session) {
      main.replaceChildren(...signInView());
      return;
    }
    const admin = session.kind === 'admin';
    nav.hidden = false;
    for (const a of nav.querySelectorAll('[data-for]')) a.hidden = !a.dataset.for.split(' ').includes(session.kind);
    const route = location.hash.replace(/^#\/?/, '');
    const [page, id] = route.split('/').map(decodeURIComponent);
    const rest = route.split('/').map(decodeURIComponent);
    let view;
    if (!admin && page === 'activity') view = await activityView(session.tenant);
    else if (!admin) view = await tenantView(session.tenant);
    else if (page === 'tenants' && id) view = await tenantView(id);
    else if (page === 'activity') view = await activityView(id);
    else if (page === 'directory') view = await directoryView(id, rest[2] || 'users', rest[3] || '');
    else view = await tenantsView();
    main.replaceChildren(...view);
  } catch (err) {
    main.replaceChildren(h('p', { class: 'error' }, err.message));
  }
}

async function openSetupLink(secret) {
  // The secret leaves the address bar (and history) at once.
  history.replaceState(null, '', '/admin/');
  try {
    session = await api('POST', '/session', { setupLink: secret });
    location.hash = `#/tenants/${encodeURIComponent(session.tenant)}`;
  } catch (err) {
    main.replaceChildren(h('h1', {}, 'This setup link does not work'),
      h('p', {}, 'It may have expired or been revoked. Ask for a new one.'),
      h('p', { class: 'error' }, err.message));
    return false;
  }
  return true;
}

document.getElementById('signout').addEventListener('click', async () => {
  try { await api('DELETE', '/session'); } catch { /* signed out anyway */ }
  session = null;
  location.hash = '';
  show();
});
window.addEventListener('hashchange', show);

(async () => {
  if (location.hash.startsWith('#setup=')) {
    if (!(await openSetupLink(location.hash.slice('#setup='.length)))) return;
  }
  show();
})();
