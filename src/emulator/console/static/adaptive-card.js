// One adaptive card, rendered by Microsoft's official renderer (window.AdaptiveCards, adaptivecards.min.js).
import { useEffect, useRef } from 'preact/hooks';
import { html } from './html.js';

const escapeHtml = (s) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/**
 * The Markdown a card's TextBlock shows formatted in RingCentral: **bold** and [text](http(s) link);
 * everything else is escaped plain text (the renderer puts `outputHtml` into the page as HTML).
 */
function cardMarkdown(text, result) {
  result.outputHtml = escapeHtml(text)
    .replace(/\*\*([^*\n]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/g, '<a href="$2" target="_blank" rel="noopener">$1</a>')
    .replace(/\n/g, '<br>');
  result.didProcess = true;
}

/** Whether a card's link is a web page (http or https): a card is data from a bot, and a
 * `javascript:` or `data:` link must not run in the console's page. */
function isWebUrl(url) {
  try {
    return ['http:', 'https:'].includes(new URL(url, window.location.href).protocol);
  } catch {
    return false;
  }
}

/**
 * Renders `card` (AdaptiveCard JSON). Action.Submit calls `onSubmit(data)` (inputs merged in);
 * Action.OpenUrl opens http(s) URLs in a new tab and ignores any other scheme.
 */
export function AdaptiveCardView({ card, onSubmit }) {
  const box = useRef(null);
  const key = JSON.stringify(card);
  useEffect(() => {
    const AC = window.AdaptiveCards;
    AC.AdaptiveCard.onProcessMarkdown = cardMarkdown;
    const ac = new AC.AdaptiveCard();
    ac.onExecuteAction = (action) => {
      if (action instanceof AC.OpenUrlAction) {
        if (isWebUrl(action.url)) window.open(action.url, '_blank', 'noopener');
      } else if (action instanceof AC.SubmitAction) onSubmit(action.data ?? {});
    };
    try {
      ac.parse(card);
      box.current.replaceChildren(ac.render());
    } catch (e) {
      box.current.textContent = `This card could not be shown: ${e.message}`;
    }
  }, [key]);
  return html`<div class="card" ref=${box}></div>`;
}
