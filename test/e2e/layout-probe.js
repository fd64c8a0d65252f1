// In-page half of test/e2e/call-layout.test.ts (plain JavaScript: it runs in the page as it is).
// layoutProblems(primary, inCall) lists what is wrong with the layout of the page's <rtc-call>.
window.layoutProblems = (primary, inCall) => {
  const found = [];
  const el = document.querySelector('rtc-call');
  const box = el.getBoundingClientRect();
  const name = (e) =>
    `${e.localName}${e.getAttribute('part') ? `[part=${e.getAttribute('part')}]` : ''}${e.className && typeof e.className === 'string' ? `.${e.className.trim().split(/\s+/).join('.')}` : ''}`;
  const parentOf = (e) => e.parentElement ?? e.getRootNode().host ?? null;
  /** The part of `e` not scrolled out of sight: what a scroll container (a list, the settings) hides is not shown. */
  const shown = (e) => {
    let r = e.getBoundingClientRect();
    for (let a = parentOf(e); a && a !== el; a = parentOf(a)) {
      const style = getComputedStyle(a);
      if (!/auto|scroll/.test(style.overflowX + style.overflowY)) continue;
      const c = a.getBoundingClientRect();
      const left = Math.max(r.left, c.left);
      const top = Math.max(r.top, c.top);
      const right = Math.min(r.right, c.right);
      const bottom = Math.min(r.bottom, c.bottom);
      if (right <= left || bottom <= top) return null;
      r = new DOMRect(left, top, right - left, bottom - top);
    }
    return r;
  };
  const visible = (e) => {
    const style = getComputedStyle(e);
    if (style.display === 'none' || style.visibility !== 'visible' || e.closest('.sr-only')) return false;
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const inside = (r, outer) =>
    r.left >= outer.left - 0.5 &&
    r.top >= outer.top - 0.5 &&
    r.right <= outer.right + 0.5 &&
    r.bottom <= outer.bottom + 0.5;
  const overlaps = (a, b) =>
    a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  const all = (root) => [...root.querySelectorAll('*')].flatMap((e) => [e, ...(e.shadowRoot ? all(e.shadowRoot) : [])]);
  const parts = all(el.shadowRoot);
  const part = (p) => parts.find((e) => e.getAttribute('part') === p && visible(e));

  for (const e of parts) {
    if (!visible(e) || e.localName === 'svg' || e.closest('svg')) continue;
    const r = shown(e);
    if (r && !inside(r, box)) found.push(`${name(e)} lies outside the element (${JSON.stringify(r)})`);
  }
  const root = document.scrollingElement;
  if (root.scrollHeight > innerHeight || root.scrollWidth > innerWidth) {
    found.push(`the page scrolls (${root.scrollWidth}×${root.scrollHeight} in ${innerWidth}×${innerHeight})`);
  }
  const controls = part('controls').getBoundingClientRect();
  if (inCall) {
    const buttons = primary.map((p) => [p, part(p)]);
    for (const [p, b] of buttons) {
      if (!b) {
        found.push(`no visible ${p}`);
        continue;
      }
      const r = b.getBoundingClientRect();
      if (r.width < 40 || r.height < 40) found.push(`${p} is ${r.width}×${r.height}`);
      const first = buttons[0][1]?.getBoundingClientRect();
      if (first && Math.abs(r.top - first.top) > 1) found.push(`${p} is not in the row of ${primary[0]}`);
    }
  }
  for (const p of ['chat', 'settings']) {
    const panel = part(p);
    if (panel && overlaps(panel.getBoundingClientRect(), controls)) found.push(`the ${p} covers the controls`);
  }
  const chat = part('chat');
  for (const message of parts.filter((e) => e.getAttribute('part') === 'message')) {
    const r = shown(message);
    if (r && chat && !inside(r, chat.getBoundingClientRect())) found.push('a message lies outside the chat panel');
    for (let a = message; a && a !== el; a = parentOf(a)) {
      if (getComputedStyle(a).transform !== 'none') found.push(`a message is transformed (${name(a)})`);
    }
  }
  return found;
};
