// Left column: who you are (person picker), your chats with unread marks, and starting a chat.
import { useState } from 'preact/hooks';
import { html } from './html.js';
import { Avatar } from './avatar.js';

const label = (p) => `${p.name}${p.type === 'Bot' ? ' (bot)' : ` · ext. ${p.extensionNumber}`}${p.admin ? ' · admin' : ''}`;

/** The person picker, labelled "Person": switching person switches the whole view. */
export function PersonPicker({ people, me, onPick }) {
  const person = people.find((p) => p.id === me);
  return html`<div class="picker">
    <${Avatar} person=${person} size=${40} />
    <div>
      <label for="person">Person</label>
      <div class="picker-row">
        <select id="person" value=${me} onChange=${(e) => onPick(e.target.value)}>
          ${people.filter((p) => p.type !== 'Bot').map((p) => html`<option value=${p.id}>${label(p)}</option>`)}
        </select>
        ${person?.admin ? html`<span class="badge">Admin</span>` : ''}
      </div>
    </div>
  </div>`;
}

/** The person's chats; `current` is marked with aria-current. */
export function ChatList({ chats, current, onOpen }) {
  return html`<nav aria-label="Chats" class="chats">
    <h2>Chats</h2>
    <ul>
      ${chats.map((c) => html`<li key=${c.id}>
        <button type="button" aria-current=${c.id === current ? 'true' : undefined} class=${c.unread ? 'unread' : ''} onClick=${() => onOpen(c.id)}>
          <span class="kind">${c.type === 'Direct' ? 'Direct' : c.type}</span> ${c.title}
          ${c.unread ? html`<span class="count" aria-label=${`${c.unread} unread`}>${c.unread}</span>` : ''}
        </button>
      </li>`)}
    </ul>
  </nav>`;
}

/** Start a direct chat (one person) or a group (several, optionally named); `onCreate` resolves to whether it worked. */
export function NewChat({ people, me, onCreate }) {
  const [chosen, setChosen] = useState([]);
  const [name, setName] = useState('');
  const others = people.filter((p) => p.id !== me);
  const toggle = (id) => setChosen(chosen.includes(id) ? chosen.filter((c) => c !== id) : [...chosen, id]);
  const submit = async (e) => {
    e.preventDefault();
    if (chosen.length === 0) return;
    if (!(await onCreate(chosen, chosen.length > 1 ? name : ''))) return;
    setChosen([]);
    setName('');
  };
  return html`<details class="new-chat">
    <summary>New chat or group</summary>
    <form onSubmit=${submit} aria-label="New chat">
      <fieldset>
        <legend>Members</legend>
        ${others.map((p) => html`<label class="member"><input type="checkbox" checked=${chosen.includes(p.id)} onChange=${() => toggle(p.id)} /> ${p.name}${p.type === 'Bot' ? ' (bot)' : ''}</label>`)}
      </fieldset>
      ${chosen.length > 1 ? html`<label>Group name <input value=${name} onInput=${(e) => setName(e.target.value)} /></label>` : ''}
      <button type="submit" disabled=${chosen.length === 0}>${chosen.length > 1 ? 'Create group' : 'Start chat'}</button>
    </form>
  </details>`;
}

/** Everyone's current profile photo, updated live. */
export function Directory({ people }) {
  return html`<aside aria-labelledby="directory-title" class="directory">
    <h2 id="directory-title">Directory</h2>
    <ul>
      ${people.map((p) => html`<li key=${p.id} data-person=${p.id}>
        <${Avatar} person=${p} size=${36} />
        <span><span class="name">${p.name}</span><br /><small>${p.type === 'Bot' ? 'bot' : `ext. ${p.extensionNumber}`}${p.admin ? ' · admin' : ''}${p.photoUrl ? '' : ' · no photo'}</small></span>
      </li>`)}
    </ul>
  </aside>`;
}
