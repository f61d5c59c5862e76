// The open chat: posts in order with names, photos, text, files and cards.
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { html } from './html.js';
import { Avatar } from './avatar.js';
import { PostText } from './post-text.js';
import { AdaptiveCardView } from './adaptive-card.js';

/** How close to the bottom (CSS pixels) still counts as "reading the newest posts". */
const AT_BOTTOM_PX = 24;

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

/**
 * Keeps the scroll box `ref` on its newest (last) content while the person reads there: when
 * posts arrive and whenever the content grows later (photos and cards render after the post
 * does). A person who scrolled up to read stays where they are, until they post themselves.
 */
function usePinnedToBottom(ref, posts, me) {
  const pinned = useRef(true);
  const newestSeen = useRef(undefined);
  const toBottom = () => {
    if (ref.current && pinned.current) ref.current.scrollTop = ref.current.scrollHeight;
  };
  const newest = posts[posts.length - 1];
  useLayoutEffect(() => {
    if (newest && newest.id !== newestSeen.current && newest.creatorId === me) pinned.current = true; // one's own new post: go and see it
    newestSeen.current = newest?.id;
    toBottom();
  }, [posts]);
  useEffect(() => {
    const box = ref.current;
    let lastTop = box.scrollTop;
    // Only the person scrolling up unpins: content that grew before this event ran also leaves
    // the view short of the bottom, but with scrollTop where it was.
    const onScroll = () => {
      if (box.scrollHeight - box.scrollTop - box.clientHeight <= AT_BOTTOM_PX) pinned.current = true;
      else if (box.scrollTop < lastTop) pinned.current = false;
      lastTop = box.scrollTop;
    };
    box.addEventListener('scroll', onScroll, { passive: true });
    const resized = new ResizeObserver(toBottom);
    resized.observe(box);
    resized.observe(box.firstElementChild);
    return () => {
      box.removeEventListener('scroll', onScroll);
      resized.disconnect();
    };
  }, []);
}

/** `posts` oldest first; shows the newest and follows new ones while the person is at the bottom. */
export function Thread({ title, posts, people, me, onSubmitCard, notice }) {
  const scroller = useRef(null);
  usePinnedToBottom(scroller, posts, me);
  const names = Object.fromEntries(people.map((p) => [p.id, p.name]));
  return html`<section class="thread" aria-labelledby="thread-title">
    <h2 id="thread-title">${title}</h2>
    <div class="posts-scroll" ref=${scroller}>
      <ol class="posts" role="log" aria-live="polite" aria-label="Posts">
        ${posts.map((post) => html`<${Post} key=${post.id} post=${post} people=${people} names=${names} onSubmitCard=${onSubmitCard} />`)}
      </ol>
    </div>
    ${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
  </section>`;
}
