// One adaptive card, rendered by Microsoft's official renderer (window.AdaptiveCards, adaptivecards.min.js).
import { useEffect, useRef } from 'preact/hooks';
import { html } from './html.js';

/**
 * Renders `card` (AdaptiveCard JSON). Action.Submit calls `onSubmit(data)` (inputs merged in);
 * Action.OpenUrl opens the URL in a new tab.
 */
export function AdaptiveCardView({ card, onSubmit }) {
  const box = useRef(null);
  const key = JSON.stringify(card);
  useEffect(() => {
    const AC = window.AdaptiveCards;
    const ac = new AC.AdaptiveCard();
    ac.onExecuteAction = (action) => {
      if (action instanceof AC.OpenUrlAction) window.open(action.url, '_blank', 'noopener');
      else if (action instanceof AC.SubmitAction) onSubmit(action.data ?? {});
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
