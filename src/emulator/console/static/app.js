// The console's root: who you are, your chats, the open thread, the composer, the directory.
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { api, EmulatorUnreachable } from './api.js';
import { ConnectionStatus, useEmulatorEvents } from './connection.js';
import { ChatList, Directory, NewChat, PersonPicker } from './sidebar.js';
import { Thread } from './thread.js';
import { Composer } from './composer.js';

const remembered = () => localStorage.getItem('emulator_person') ?? undefined;

/**
 * `load(promise, apply)` applies the answer of only the newest call: answers to requests of one
 * kind can overtake each other. Resolves when applied or dropped; rejects as the request does.
 */
function useNewest() {
  const calls = useRef(0);
  return (promise, apply) => {
    const mine = ++calls.current;
    return promise.then((value) => {
      if (mine === calls.current) apply(value);
    });
  };
}

function App() {
  const [people, setPeople] = useState([]);
  const [me, setMe] = useState(undefined);
  const [chats, setChats] = useState([]);
  const [chatId, setChatId] = useState(undefined);
  const [posts, setPosts] = useState([]);
  const [file, setFile] = useState(undefined);
  const [notice, setNotice] = useState('');
  const [dragging, setDragging] = useState(false);

  // Who and which chat the page shows now, for loads to read when they start and when their answer
  // comes: an answer for the person or chat shown before must not replace the current one.
  const shown = useRef({});
  shown.current = { me, chatId };
  const newestChats = useNewest();
  const newestPosts = useNewest();
  // A load that fails while the emulator is down is shown by the connection status and redone on
  // reconnecting; anything else is said in the notice.
  const failed = (e) => {
    if (!(e instanceof EmulatorUnreachable)) setNotice(`Could not load: ${e.message}`);
  };
  const loadPeople = () => api.people().then(setPeople, failed);
  const loadChats = () => {
    const { me } = shown.current;
    if (me) newestChats(api.chats(me), (c) => shown.current.me === me && setChats(c)).catch(failed);
  };
  const loadPosts = () => {
    const { me, chatId } = shown.current;
    if (!me || !chatId) return setPosts([]);
    const stillShown = () => shown.current.me === me && shown.current.chatId === chatId;
    newestPosts(api.posts(chatId, me), (p) => stillShown() && setPosts(p)).then(loadChats, failed);
  };

  useEffect(() => {
    loadPeople();
  }, []);
  useEffect(() => {
    if (me || people.length === 0) return;
    const pick = people.find((p) => p.id === remembered() && p.type !== 'Bot') ?? people.find((p) => p.type !== 'Bot');
    if (pick) pickPerson(pick.id);
  }, [people]);
  useEffect(() => {
    loadChats();
  }, [me]);
  useEffect(() => {
    loadPosts();
  }, [chatId, me]);
  const connected = useEmulatorEvents(
    (change) => {
      if (change.kind === 'person' || change.kind === 'reset') loadPeople();
      if (change.kind === 'posts' && change.chatId === shown.current.chatId) loadPosts();
      else loadChats();
    },
    () => {
      loadPeople();
      loadPosts();
      loadChats();
    },
  );

  function pickPerson(id) {
    if (id === shown.current.me) return;
    localStorage.setItem('emulator_person', id);
    // The consent page reads this to know who is approving.
    document.cookie = `emulator_person=${encodeURIComponent(id)}; path=/; SameSite=Lax`;
    shown.current = { me: id, chatId: undefined };
    setMe(id);
    setChatId(undefined);
    setChats([]);
    setPosts([]);
    setNotice('');
  }
  function openChat(id) {
    if (id === shown.current.chatId) return;
    shown.current = { ...shown.current, chatId: id };
    setPosts([]);
    setChatId(id);
  }
  /** Posts as `me`; rejects when not sent (the composer then puts the post back in the box). */
  async function send(text, attached) {
    try {
      const ids = attached ? [await api.upload(chatId, me, attached)] : [];
      await api.post(chatId, me, text, ids);
      setNotice('');
    } catch (e) {
      setNotice(`Not sent: ${e.message}. Your post is back in the box.`);
      throw e;
    }
  }
  async function submitCard(cardId, data) {
    setNotice('Sending your answer to the app…');
    const result = await api.submitCard(cardId, me, data).catch((e) => ({ error: e }));
    if (result.error instanceof EmulatorUnreachable) setNotice(`Not sent: ${result.error.message}`);
    else setNotice(result.error ? `The app could not be reached: ${result.error.message}` : result.status >= 400 ? `The app answered ${result.status}` : '');
  }
  /** Opens a direct chat or creates a group and shows it; resolves to whether that worked. */
  async function createChat(members, name) {
    try {
      const chat = await api.openChat(me, members, name);
      setNotice('');
      loadChats();
      openChat(chat.id);
      return true;
    } catch (e) {
      setNotice(`The chat was not created: ${e.message}`);
      return false;
    }
  }
  const onDrop = (e) => {
    e.preventDefault();
    setDragging(false);
    const dropped = [...(e.dataTransfer?.files ?? [])].find((f) => f.type.startsWith('image/'));
    if (dropped && chatId) setFile(dropped);
  };

  const chat = chats.find((c) => c.id === chatId);
  return html`<div class="layout">
    <header class="banner">
      <h1>Team Messaging <small>RingCentral emulator</small></h1>
      <${ConnectionStatus} connected=${connected} />
      <${PersonPicker} people=${people} me=${me} onPick=${pickPerson} />
    </header>
    <div class="side">
      <${ChatList} chats=${chats} current=${chatId} onOpen=${openChat} />
      <${NewChat} people=${people} me=${me} onCreate=${createChat} />
    </div>
    <main class=${dragging ? 'dragging' : ''} onDragOver=${(e) => { e.preventDefault(); setDragging(true); }} onDragLeave=${() => setDragging(false)} onDrop=${onDrop}>
      ${chat
        ? html`<${Thread} key=${chatId} title=${chat.title} posts=${posts} people=${people} me=${me} onSubmitCard=${submitCard} />`
        : html`<p class="empty">Pick a chat on the left, or start one.</p>`}
      <p class="notice" role="status">${notice}</p>
      ${chat ? html`<${Composer} people=${people.filter((p) => p.id !== me)} onSend=${send} file=${file} setFile=${setFile} />` : ''}
    </main>
    <${Directory} people=${people} />
  </div>`;
}

const root = document.getElementById('app');
root.replaceChildren(); // Preact's render() keeps what is already in the element: drop the "Loading…" placeholder
render(html`<${App} />`, root);
