// Interactive elements a thumb must hit: their box (a radio's or checkbox's: its label's) at least
// `minimum` × `minimum` px, unless the element is a link inside a sentence (WCAG 2.5.5's inline
// exception) or not shown. Returns one line per element too small. (unioncore/tests/accessibility.py)
(minimum) => {
  const shown = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && r.right > 0 && r.bottom > -window.scrollY; };
  const inSentence = (a) => { const p = a.parentElement; if (!p) return false;
    const rest = p.textContent.replace(a.textContent, '').trim(); return rest.length > 3 && getComputedStyle(a).display === 'inline'; };
  const out = [];
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    if (!shown(el)) continue;
    if (el.tagName === 'A' && inSentence(el)) continue;
    let box = el;
    if (el.type === 'radio' || el.type === 'checkbox') box = el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`)) || el;
    const r = box.getBoundingClientRect();
    if (r.height < minimum - 0.5 || r.width < minimum - 0.5)
      out.push(`${el.tagName.toLowerCase()} "${(el.innerText || el.value || el.name || '').trim().slice(0, 40)}" ${r.width.toFixed(0)}×${r.height.toFixed(0)}`);
  }
  return out;
}
