// The chat panel of `<rtc-call>`: a chunk of its own, loaded when the chat first opens (and
// prefetched once the call is connected), since many calls never open it.
import { adoptStyles, html, nothing, supportsAdoptingStyleSheets } from 'lit';
import { enChat } from '../../i18n/en-chat.js';
import type { CallStrings } from '../../i18n/en.js';
import type { ChatMessage } from '../../webrtc/chat-channel.js';
import { chatStyles } from './chat-panel.styles.js';

/** What the chat panel shows and calls back into; the element keeps the state. */
export interface ChatPanelView {
  /** The element's shadow root, which gets the panel's styles. */
  root: ShadowRoot;
  messages: readonly ChatMessage[];
  /** Why the last message was refused, if it was. */
  refusal: ChatRefusal | null;
  /** Whether the tab's storage is full (a reload would lose waiting messages). */
  unsaved: boolean;
  /** Sends a message (the element's `sendMessage()`). */
  sendMessage(text: string): Promise<unknown>;
  /** Why the message just written was refused, or null when a new one is being sent. */
  refused(refusal: ChatRefusal | null): void;
  /** A message was taken: the list should follow it to the bottom. */
  sent(): void;
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

/** A refused message: the `ChatError` code, and its message for a refusal with none. */
export interface ChatRefusal {
  code: string | undefined;
  message: string;
}

/** Sends the input's text, and clears the input only once the message was taken. */
async function send(view: ChatPanelView, input: HTMLTextAreaElement): Promise<void> {
  view.refused(null);
  let refused = false;
  const sent = view.sendMessage(input.value);
  sent.catch((error: unknown) => {
    refused = true;
    view.refused({ code: (error as { code?: string }).code, message: String(error) });
  });
  // Refusals are synchronous checks: one task is long enough to hear of them.
  await Promise.race([sent.then(() => undefined), new Promise((resolve) => setTimeout(resolve))]).catch(
    () => undefined,
  );
  if (!refused) input.value = '';
  view.sent();
}

/**
 * The chat panel: the messages, oldest first, and a form to write one. Its English strings came
 * with it; `t` (a translation, the page's own overrides) goes over them.
 */
export function chatPanel(strings: CallStrings, view: ChatPanelView) {
  const t = { ...enChat, ...strings };
  const { messages, refusal } = view;
  const error = refusal
    ? (t[`chat.error.${refusal.code}` as keyof typeof enChat] ?? refusal.message)
    : view.unsaved
      ? t['chat.unsaved']
      : '';
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
          html`<li class="message--${message.from}" part="message">
            <span class="who">${message.from === 'local' ? t['chat.you'] : t['chat.them']}</span>
            <p dir="auto">${message.text}</p>
            ${message.from === 'local' ? html`<span class="meta">${t[`chat.${message.status}`]}</span>` : nothing}
          </li>`,
      )}
    </ol>
    <form
      @submit=${(event: Event) => {
        event.preventDefault();
        void send(view, (event.target as HTMLFormElement).querySelector('textarea')!);
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
          void send(view, event.target as HTMLTextAreaElement);
        }}
      ></textarea>
      <button type="submit">${t['chat.send']}</button>
    </form>
    <div id="chat-error" class="error" role="alert">${error}</div>
  </section>`;
}
