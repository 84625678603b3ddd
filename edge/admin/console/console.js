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
  const rows = tenants.map((t) => h('tr', {},
    h('td', {}, h('a', { href: `#/tenants/${encodeURIComponent(t.id)}` }, t.id)),
    h('td', {}, t.disabled ? 'disabled' : 'enabled'),
    h('td', {}, providerName(t.settings.identityProvider)),
    h('td', {}, when(t.created))));
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
      h('th', {}, 'Identity provider'), h('th', {}, 'Created'))), h('tbody', {}, rows))];
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
  parts.push(guideSection(tenant.settings.identityProvider));
  return parts;
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
    nav.hidden = session.kind !== 'admin';
    const route = location.hash.replace(/^#\/?/, '');
    const [page, id] = route.split('/').map(decodeURIComponent);
    let view;
    if (session.kind !== 'admin') view = await tenantView(session.tenant);
    else if (page === 'tenants' && id) view = await tenantView(id);
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
