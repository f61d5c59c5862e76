// The open chat: posts in order with names, photos, text, files and cards.
import { useEffect, useRef } from 'preact/hooks';
import { html } from './html.js';
import { Avatar } from './avatar.js';
import { PostText } from './post-text.js';
import { AdaptiveCardView } from './adaptive-card.js';

function Files({ files }) {
  return files.map((f) =>
    f.contentType?.startsWith('image/')
      ? html`<a href=${f.url} target="_blank" rel="noopener"><img class="inline-image" src=${f.url} alt=${f.name} /></a>`
      : html`<a class="file" href=${f.url} target="_blank" rel="noopener" download=${f.name}>${f.name}</a>`,
  );
}

function Post({ post, people, names, onSubmitCard }) {
  const person = people.find((p) => p.id === post.creatorId) ?? { name: post.creatorName };
  const time = new Date(post.creationTime).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return html`<li class="post">
    <${Avatar} person=${person} />
    <article aria-label=${`${post.creatorName} at ${time}`}>
      <header><strong>${post.creatorName}</strong> <time datetime=${post.creationTime}>${time}</time>${post.edited ? html` <span class="edited">(edited)</span>` : ''}</header>
      ${post.text ? html`<${PostText} text=${post.text} names=${{ ...names, ...post.mentions }} />` : ''}
      <${Files} files=${post.files} />
      ${post.card ? html`<${AdaptiveCardView} card=${post.card} onSubmit=${(data) => onSubmitCard(post.cardId, data)} />` : ''}
    </article>
  </li>`;
}

/** `posts` oldest first; scrolls to the newest when they change. */
export function Thread({ title, posts, people, onSubmitCard, notice }) {
  const list = useRef(null);
  useEffect(() => {
    if (list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [posts]);
  const names = Object.fromEntries(people.map((p) => [p.id, p.name]));
  return html`<section class="thread" aria-labelledby="thread-title">
    <h2 id="thread-title">${title}</h2>
    <ol class="posts" role="log" aria-live="polite" aria-label="Posts" ref=${list}>
      ${posts.map((post) => html`<${Post} key=${post.id} post=${post} people=${people} names=${names} onSubmitCard=${onSubmitCard} />`)}
    </ol>
    ${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
  </section>`;
}
