// A post's text as Preact nodes: RingCentral mention markup as "@name", links clickable.
import { html } from './html.js';

const TOKENS = /!\[:(Person|Team)\]\(([^)\s]+)\)|(https?:\/\/[^\s<>()"']+[^\s<>()"'.,;:!?])|\*\*([^*]+)\*\*/g;

/** Splits `text` into strings, mention chips, links and bold runs; `names` maps ids to names. */
export function PostText({ text, names }) {
  const parts = [];
  let at = 0;
  for (const m of text.matchAll(TOKENS)) {
    if (m.index > at) parts.push(text.slice(at, m.index));
    if (m[1]) parts.push(html`<span class="mention">@${names[m[2]] ?? m[2]}</span>`);
    else if (m[3]) parts.push(html`<a href=${m[3]} target="_blank" rel="noopener">${m[3]}</a>`);
    else parts.push(html`<strong>${m[4]}</strong>`);
    at = m.index + m[0].length;
  }
  if (at < text.length) parts.push(text.slice(at));
  return html`<div class="text">${parts}</div>`;
}
