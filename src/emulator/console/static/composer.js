// The message box: text with @-mention autocomplete, a photo by file picker or drag and drop, Enter to send.
import { useRef, useState } from 'preact/hooks';
import { html } from './html.js';

const MENTION_QUERY = /(^|\s)@([^\s@]*)$/;
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The text as RingCentral takes it: each "@Name" picked from the autocomplete (`picked`: name →
 * person id) becomes mention markup `![:Person](id)`. Longest names first, whole names only, so
 * "@Ann Lee" is not taken for "@Ann"; an "@Name" the person edited stays plain text.
 */
export function withMentionMarkup(text, picked) {
  const names = [...picked.keys()].sort((a, b) => b.length - a.length);
  return names.reduce((out, name) => out.replace(new RegExp(`@${escapeRegExp(name)}(?![\\p{L}\\p{N}])`, 'gu'), () => `![:Person](${picked.get(name)})`), text);
}

/** `people` to mention; `onSend(text, file?)` returns a promise; `file`/`setFile`: the attached photo (also set by drag and drop). */
export function Composer({ people, onSend, file, setFile }) {
  const [text, setText] = useState('');
  const [query, setQuery] = useState(undefined);
  const [active, setActive] = useState(0);
  const [picked, setPicked] = useState(new Map());
  const box = useRef(null);
  const picker = useRef(null);
  const matches = query === undefined ? [] : people.filter((p) => p.name.toLowerCase().split(/\s+/).some((w) => w.startsWith(query.toLowerCase())) || p.name.toLowerCase().startsWith(query.toLowerCase())).slice(0, 8);
  const open = matches.length > 0;

  const update = (value, caret) => {
    setText(value);
    const m = MENTION_QUERY.exec(value.slice(0, caret));
    setQuery(m ? m[2] : undefined);
    setActive(0);
  };
  const choose = (person) => {
    const el = box.current;
    const caret = el.selectionStart;
    const before = el.value.slice(0, caret).replace(MENTION_QUERY, (_all, lead) => `${lead}@${person.name} `);
    const value = before + el.value.slice(caret);
    // The box and its caret change now, not on the next frame: what is typed next goes after the name.
    el.value = value;
    el.setSelectionRange(before.length, before.length);
    el.focus();
    setText(value);
    setPicked((was) => new Map(was).set(person.name, person.id));
    setQuery(undefined);
  };
  /** Empties the box at once (no double post); if the post is not sent it comes back, unless a new one was begun. */
  const send = async () => {
    if (text.trim() === '' && !file) return;
    const sending = { text, picked, file };
    setText('');
    setPicked(new Map());
    setFile(undefined);
    if (picker.current) picker.current.value = '';
    try {
      await onSend(withMentionMarkup(sending.text, sending.picked), sending.file);
    } catch {
      // Not sent: the page says why.
      if (box.current && box.current.value === '') {
        setText(sending.text);
        setPicked(sending.picked);
      }
      setFile((now) => now ?? sending.file);
    }
  };
  const onKeyDown = (e) => {
    if (open && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      setActive((active + (e.key === 'ArrowDown' ? 1 : matches.length - 1)) % matches.length);
    } else if (open && (e.key === 'Enter' || e.key === 'Tab')) {
      e.preventDefault();
      choose(matches[active]);
    } else if (open && e.key === 'Escape') {
      setQuery(undefined);
    } else if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      send();
    }
  };
  return html`<form class="composer" aria-label="Write a post" onSubmit=${(e) => { e.preventDefault(); send(); }}>
    ${open
      ? html`<ul class="mentions" role="listbox" id="mention-list" aria-label="People to mention">
          ${matches.map((p, i) => html`<li role="option" id=${`mention-${p.id}`} aria-selected=${i === active} class=${i === active ? 'active' : ''}
              onMouseDown=${(e) => { e.preventDefault(); choose(p); }}>${p.name}${p.type === 'Bot' ? ' (bot)' : ''}</li>`)}
        </ul>`
      : ''}
    <textarea ref=${box} aria-label="Message" rows="2" placeholder="Message (type @ to mention someone; Enter sends, Shift+Enter adds a line)"
      aria-autocomplete="list" aria-controls=${open ? 'mention-list' : undefined}
      aria-activedescendant=${open ? `mention-${matches[active].id}` : undefined}
      value=${text} onInput=${(e) => update(e.target.value, e.target.selectionStart)} onKeyDown=${onKeyDown}></textarea>
    <div class="composer-row">
      <label class="attach">
        <input ref=${picker} class="visually-hidden" type="file" accept="image/*" aria-label="Attach photo" onChange=${(e) => setFile(e.target.files[0])} />
        <span aria-hidden="true">+ Photo</span>
      </label>
      ${file ? html`<span class="chosen">${file.name} <button type="button" onClick=${() => setFile(undefined)} aria-label=${`Remove ${file.name}`}>✕</button></span>` : ''}
      <button type="submit">Send</button>
    </div>
  </form>`;
}
