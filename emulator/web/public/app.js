/* The local site view: polls /web/state.json about once a second and redraws only what changed.
   Plain browser JavaScript, no build step, no external files. */
/* global document, window, fetch */
'use strict';

(() => {
  const POLL_MS = 1000;
  const HIDDEN_POLL_MS = 5000;
  const ERROR_POLL_MS = 2000;
  let lastText = '';
  let rendered = false;
  let lastChange = null;

  const $ = (id) => document.getElementById(id);

  const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  /** Text made safe for HTML (all record data goes through this). */
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]);
  const cssName = (s) => String(s).toLowerCase().replace(/[^a-z0-9]/g, '');
  const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

  function statusBadge(status) {
    return status ? `<span class="status s-${cssName(status)}" title="status">${esc(status)}</span>` : '';
  }

  function localTime(iso) {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
  }

  function timeHtml(iso) {
    if (!iso) return '';
    return `<time datetime="${esc(iso)}">${esc(localTime(iso))}</time> <span class="ago" data-ago="${esc(iso)}"></span>`;
  }

  function thumbHtml(v) {
    const t = v.thumbnail;
    const alt = `Thumbnail of ${v.code}`;
    if (t.state === 'ready') {
      return `<div class="thumb ready"><img src="${esc(t.src)}" alt="${esc(alt)}" decoding="async"></div>`;
    }
    if (t.state === 'pending') {
      return `<div class="thumb pending"><img src="${esc(t.src)}" alt="${esc(alt)} (pending)"><span class="badge">thumbnail pending</span></div>`;
    }
    return '<div class="thumb none"><span>no thumbnail</span></div>';
  }

  function fileHtml(f) {
    const kind = [f.role === 'attachment' ? 'attachment' : f.role, f.contentType].filter(Boolean).join(' · ');
    let link;
    if (f.href && f.linkType === 'upload') link = `<a href="${esc(f.href)}" download="${esc(f.name)}">${esc(f.name)}</a>`;
    else if (f.href) link = `<a href="${esc(f.href)}" target="_blank" rel="noopener noreferrer">${esc(f.name)}</a>`;
    else link = `<span>${esc(f.name)}</span>`;
    const note = f.linkType === 'local' ? ' (local path, no download)' : '';
    return `<li class="file ${cssName(f.linkType)}">${link}<span class="kind">${esc(kind)}${esc(note)}</span></li>`;
  }

  function filesHtml(files) {
    return files.length ? `<ul class="files">${files.map(fileHtml).join('')}</ul>` : '';
  }

  function fieldsHtml(v) {
    if (!v.fields.length) return '';
    const rows = v.fields.map((f) => `<dt>${esc(f.name)}</dt><dd>${esc(f.text)}</dd>`).join('');
    return `<details data-k="fields"><summary>${plural(v.fields.length, 'more field')}</summary><dl class="fields">${rows}</dl></details>`;
  }

  function versionHtml(v) {
    const meta = [
      v.entity ? `<span>${esc(v.entity)}</span>` : '',
      v.createdBy ? `<span>by ${esc(v.createdBy)}</span>` : '',
    ].filter(Boolean).join('<span class="sep">·</span>');
    return `<article class="version" data-version-id="${v.id}" data-thumb-state="${esc(v.thumbnail.state)}">
      ${thumbHtml(v)}
      <div class="body">
        <h4><span class="code">${esc(v.code)}</span>${statusBadge(v.status)}<span class="id">#${v.id}</span></h4>
        ${meta ? `<div class="meta">${meta}</div>` : ''}
        ${v.createdAt ? `<div class="when">created ${timeHtml(v.createdAt)}</div>` : ''}
        ${v.description ? `<p class="desc">${esc(v.description)}</p>` : ''}
        ${filesHtml(v.files)}
        ${fieldsHtml(v)}
      </div>
    </article>`;
  }

  function moreHtml(n) {
    return n > 0 ? `<p class="more">… and ${plural(n, 'older version')} not shown</p>` : '';
  }

  function shotHtml(s) {
    const title = s.sequence ? `<span class="seq">${esc(s.sequence)} /</span> ${esc(s.code)}` : esc(s.code);
    return `<section class="shot">
      <h3>${title}${statusBadge(s.status)}<span class="count">${plural(s.versions.length + s.moreVersions, 'version')}</span></h3>
      ${s.description ? `<p class="desc">${esc(s.description)}</p>` : ''}
      ${filesHtml(s.attachments)}
      <div class="kids versions"></div>
      ${moreHtml(s.moreVersions)}
    </section>`;
  }

  function projectHtml(p) {
    return `<section class="project">
      <h2>${esc(p.name)}${statusBadge(p.status)}${p.id !== null ? `<span class="id">Project #${p.id}</span>` : ''}</h2>
      <div class="kids"></div>
    </section>`;
  }

  function projectItems(p) {
    const items = p.shots.map((s) => ({
      key: s.key,
      html: shotHtml(s),
      kids: (el) => reconcile(el, s.versions.map((v) => ({ key: v.key, html: versionHtml(v) }))),
    }));
    if (p.otherVersions.length) {
      const other = { code: 'Other versions', sequence: null, status: null, description: null, attachments: [], versions: p.otherVersions, moreVersions: p.moreOtherVersions };
      items.push({
        key: `other:${p.key}`,
        html: shotHtml(other),
        kids: (el) => reconcile(el, p.otherVersions.map((v) => ({ key: v.key, html: versionHtml(v) }))),
      });
    }
    if (!p.shots.length && !p.otherVersions.length) {
      items.push({ key: `empty:${p.key}`, html: '<p class="empty">No versions yet.</p>' });
    }
    if (p.idleShots.length) {
      const more = p.moreIdleShots ? ` and ${p.moreIdleShots} more` : '';
      items.push({ key: `idle:${p.key}`, html: `<p class="idle"><span>Shots without versions:</span> ${p.idleShots.map(esc).join(', ')}${more}</p>` });
    }
    return items;
  }

  function fromHtml(html) {
    const t = document.createElement('template');
    t.innerHTML = html.trim();
    return t.content.firstElementChild;
  }

  /** Moves what a redrawn element keeps from its old self: children already drawn, open sections. */
  function carryOver(oldEl, freshEl) {
    const oldKids = oldEl.querySelector(':scope > .kids');
    const freshKids = freshEl.querySelector(':scope > .kids');
    if (oldKids && freshKids) while (oldKids.firstChild) freshKids.appendChild(oldKids.firstChild);
    for (const d of oldEl.querySelectorAll(':scope details[open][data-k]')) {
      const same = freshEl.querySelector(`details[data-k="${d.dataset.k}"]`);
      if (same) same.open = true;
    }
  }

  /** Makes container's children match items (by key), redrawing only items whose HTML changed. */
  function reconcile(container, items) {
    const old = new Map();
    for (const el of Array.from(container.children)) {
      if (el.dataset.key) old.set(el.dataset.key, el);
      else el.remove();
    }
    let prev = null;
    for (const item of items) {
      let el = old.get(item.key);
      old.delete(item.key);
      if (!el || el.sgHtml !== item.html) {
        const fresh = fromHtml(item.html);
        fresh.sgHtml = item.html;
        fresh.dataset.key = item.key;
        if (el) {
          carryOver(el, fresh);
          if (item.key.startsWith('Version:')) fresh.classList.add('changed');
          el.replaceWith(fresh);
        } else if (rendered) {
          fresh.classList.add('new');
        }
        el = fresh;
      }
      if (item.kids) item.kids(el.querySelector(':scope > .kids'));
      const want = prev ? prev.nextSibling : container.firstChild;
      if (el !== want) container.insertBefore(el, want);
      prev = el;
    }
    for (const el of old.values()) el.remove();
  }

  function updateAgo() {
    const now = Date.now();
    for (const el of document.querySelectorAll('[data-ago]')) {
      const s = Math.max(0, Math.round((now - new Date(el.dataset.ago).getTime()) / 1000));
      let text;
      if (!Number.isFinite(s)) text = '';
      else if (s < 60) text = `${s} s ago`;
      else if (s < 3600) text = `${Math.floor(s / 60)} min ago`;
      else if (s < 86400) text = `${Math.floor(s / 3600)} h ago`;
      else text = `${Math.floor(s / 86400)} d ago`;
      el.textContent = text && `(${text})`;
    }
  }

  function render(feed) {
    $('site-url').textContent = feed.site.url || window.location.origin;
    $('delay').textContent = `${(feed.site.transcodeDelayMs / 1000).toFixed(1)} s`;
    const c = feed.counts;
    $('summary').innerHTML = [
      plural(c.projects, 'project'), plural(c.shots, 'shot'), plural(c.versions, 'version'), plural(c.attachments, 'attachment'),
      `storage: ${esc(feed.site.storage)}`,
    ].map((t) => `<span>${t}</span>`).join('') + (lastChange ? `<span>last change ${esc(lastChange.toLocaleTimeString())}</span>` : '');
    const list = $('projects');
    if (!feed.projects.length) {
      list.innerHTML = '<p class="empty">The site has no projects yet.</p>';
      return;
    }
    if (!rendered) list.textContent = '';
    reconcile(list, feed.projects.map((p) => ({ key: p.key, html: projectHtml(p), kids: (el) => reconcile(el, projectItems(p)) })));
    rendered = true;
  }

  function setLive(state, text) {
    $('live').dataset.state = state;
    $('live-text').textContent = text;
  }

  async function poll() {
    let wait = document.hidden ? HIDDEN_POLL_MS : POLL_MS;
    try {
      const res = await fetch('/web/state.json', { cache: 'no-cache', headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(`the feed answered ${res.status}`);
      const text = await res.text();
      if (text !== lastText) {
        lastChange = new Date();
        render(JSON.parse(text));
        lastText = text;
      }
      setLive('live', 'live');
    } catch {
      setLive('down', 'emulator not reachable — retrying');
      wait = ERROR_POLL_MS;
    }
    updateAgo();
    window.setTimeout(poll, wait);
  }

  // Images that fail (e.g. a signed URL that expired while the tab slept) show as broken tiles.
  document.addEventListener('error', (e) => {
    if (e.target instanceof window.HTMLImageElement) e.target.closest('.thumb')?.classList.add('broken');
  }, true);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) updateAgo();
  });
  poll();
})();
