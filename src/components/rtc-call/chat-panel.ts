// The chat panel of `<rtc-call>`: a chunk of its own, loaded when the chat first opens (and
// prefetched once the call is connected), since many calls never open it.
import { adoptStyles, html, nothing, supportsAdoptingStyleSheets } from 'lit';
import type { Strings } from '../../i18n/en.js';
import type { ChatMessage } from '../../webrtc/chat-channel.js';
import { chatStyles } from './chat-panel.styles.js';

/** What the chat panel shows and calls back into; the element keeps the state. */
export interface ChatPanelView {
  /** The element's shadow root, which gets the panel's styles. */
  root: ShadowRoot;
  messages: readonly ChatMessage[];
  /** The line under the input: why the last message was refused, or that storage is full. */
  error: string;
  /** Sends the input's text (the element clears the input once the message is taken). */
  send(input: HTMLTextAreaElement): void;
  /** The list was scrolled: whether it is at the bottom, and so should stay there. */
  scrolled(atBottom: boolean): void;
}

const styled = new WeakSet<ShadowRoot>();

/** Adds the panel's styles after the element's own, once per element (they came with this chunk). */
function addStyles(root: ShadowRoot): void {
  if (styled.has(root)) return;
  styled.add(root);
  const sheet = chatStyles.styleSheet;
  // Constructable sheets, as lit adopts the element's own: `style-src` does not govern them.
  if (supportsAdoptingStyleSheets && sheet) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  else adoptStyles(root, [chatStyles]);
}

/** The chat panel: the messages, oldest first, and a form to write one. */
export function chatPanel(t: Strings, view: ChatPanelView) {
  const { messages } = view;
  addStyles(view.root);
  return html`<section class="chat" part="chat" aria-label=${t['chat.label']}>
    <ol
      class="messages"
      tabindex="0"
      aria-label=${t['chat.label']}
      @scroll=${(event: Event) => {
        const list = event.target as HTMLElement;
        view.scrolled(list.scrollHeight - list.scrollTop - list.clientHeight < 24);
      }}
    >
      ${messages.length === 0 ? html`<li class="empty">${t['chat.empty']}</li>` : nothing}
      ${messages.map(
        (message) =>
          html`<li class="message--${message.from}">
            <span class="who">${message.from === 'local' ? t['chat.you'] : t['chat.them']}</span>
            <p dir="auto">${message.text}</p>
            ${message.from === 'local' ? html`<span class="meta">${t[`chat.${message.status}`]}</span>` : nothing}
          </li>`,
      )}
    </ol>
    <form
      @submit=${(event: Event) => {
        event.preventDefault();
        view.send((event.target as HTMLFormElement).querySelector('textarea')!);
      }}
    >
      <textarea
        rows="2"
        dir="auto"
        aria-label=${t['chat.input']}
        placeholder=${t['chat.input']}
        aria-describedby="chat-error"
        @keydown=${(event: KeyboardEvent) => {
          if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
          event.preventDefault();
          view.send(event.target as HTMLTextAreaElement);
        }}
      ></textarea>
      <button type="submit">${t['chat.send']}</button>
    </form>
    <div id="chat-error" class="error" role="alert">${view.error}</div>
  </section>`;
}
