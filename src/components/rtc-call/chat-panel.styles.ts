import { css } from 'lit';

/** Styles of the chat panel of `<rtc-call>`: they come with its chunk and join the element's own. */
export const chatStyles = css`
  .chat {
    display: grid;
    grid-template-rows: minmax(0, 1fr) auto auto;
    gap: 0.5em;
  }
  .messages {
    margin: 0;
    padding: 0.5em;
    list-style: none;
    min-height: 0;
    overflow-y: auto;
    display: flex;
    flex-direction: column;
    gap: 0.5em;
    border-radius: 8px;
    background: rgb(255 255 255 / 0.06);
  }
  .messages li {
    max-width: 85%;
    padding: 0.25em 0.6em;
    border-radius: 10px;
    background: #374151;
    overflow-wrap: anywhere;
  }
  .message--local {
    align-self: flex-end;
    background: var(--rtc-call-accent, #1d4ed8);
  }
  .messages li.empty {
    align-self: center;
    background: none;
  }
  .messages p {
    margin: 0;
    white-space: pre-wrap;
    unicode-bidi: plaintext;
  }
  .who,
  .meta {
    font-size: 0.8em;
    opacity: 0.8;
  }
  .meta {
    display: block;
    text-align: end;
  }
  .chat form {
    display: flex;
    gap: 0.5em;
  }
  textarea {
    flex: 1;
    font: inherit;
    resize: vertical;
    border-radius: 8px;
    padding: 0.4em;
  }
  .error:empty {
    display: none;
  }
  .error {
    color: #fca5a5;
  }
`;
