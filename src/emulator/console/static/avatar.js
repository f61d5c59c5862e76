// A person's profile photo, or their initials when they have none.
import { html } from './html.js';

/** `person`: `{name, photoUrl?}`; `size` in CSS pixels. */
export function Avatar({ person, size = 32 }) {
  const style = `width:${size}px;height:${size}px`;
  if (person?.photoUrl) return html`<img class="avatar" style=${style} src=${person.photoUrl} alt=${`Photo of ${person.name}`} />`;
  const initials = (person?.name ?? '?').split(/\s+/).map((w) => w[0]).join('').slice(0, 2).toUpperCase();
  return html`<span class="avatar initials" style=${style} role="img" aria-label=${`${person?.name ?? 'Unknown'} has no photo`}>${initials}</span>`;
}
