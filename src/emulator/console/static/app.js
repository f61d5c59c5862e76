// The console's root: who you are, your chats, the open thread, the composer, the directory.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { api, EmulatorUnreachable } from './api.js';
import { ConnectionStatus, useEmulatorEvents } from './connection.js';
import { ChatList, Directory, NewChat, PersonPicker } from './sidebar.js';
import { Thread } from './thread.js';
import { Composer } from './composer.js';

const remembered = () => localStorage.getItem('emulator_person') ?? undefined;

function App() {
  const [people, setPeople] = useState([]);
  const [me, setMe] = useState(undefined);
  const [chats, setChats] = useState([]);
  const [chatId, setChatId] = useState(undefined);
  const [posts, setPosts] = useState([]);
  const [file, setFile] = useState(undefined);
  const [notice, setNotice] = useState('');
  const [dragging, setDragging] = useState(false);

  // A load that fails while the emulator is down is shown by the connection status and redone on
  // reconnecting; anything else is said in the notice.
  const failed = (e) => {
    if (!(e instanceof EmulatorUnreachable)) setNotice(`Could not load: ${e.message}`);
  };
  const loadPeople = () => api.people().then(setPeople, failed);
  const loadChats = () => (me ? api.chats(me).then(setChats, failed) : undefined);
  const loadPosts = () => (me && chatId ? api.posts(chatId, me).then(setPosts).then(loadChats, failed) : setPosts([]));

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
      if (change.kind === 'posts' && change.chatId === chatId) loadPosts();
      else loadChats();
    },
    () => {
      loadPeople();
      loadPosts();
      loadChats();
    },
  );

  function pickPerson(id) {
    localStorage.setItem('emulator_person', id);
    // The consent page reads this to know who is approving.
    document.cookie = `emulator_person=${encodeURIComponent(id)}; path=/; SameSite=Lax`;
    setMe(id);
    setChatId(undefined);
    setNotice('');
  }
  /** Posts as `me`; rejects when not sent (the composer then keeps the text). */
  async function send(text, attached) {
    try {
      const ids = attached ? [await api.upload(chatId, me, attached)] : [];
      await api.post(chatId, me, text, ids);
      setNotice('');
    } catch (e) {
      setNotice(`Not sent: ${e.message}. Your text is still in the box.`);
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
      await loadChats();
      setChatId(chat.id);
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
      <${ChatList} chats=${chats} current=${chatId} onOpen=${setChatId} />
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
