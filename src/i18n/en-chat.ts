// English strings of the chat panel: a chunk of their own with the panel (src/components/rtc-call/chat-panel.ts).

/** English strings of the chat panel (the call view's chat button and notices are in `en`). */
export const enChat = {
  'chat.label': 'Chat',
  'chat.input': 'Message',
  'chat.send': 'Send',
  'chat.empty': 'No messages yet.',
  'chat.you': 'You',
  'chat.them': 'Them',
  'chat.pending': 'Waiting to send',
  'chat.sent': 'Sent',
  'chat.delivered': 'Delivered',
  'chat.failed': 'Not delivered',
  'chat.error.too-long': 'Messages can be at most 4,000 characters.',
  'chat.error.empty': 'Type a message first.',
  'chat.error.outbox-full': 'Too many messages are waiting for the other person.',
  'chat.error.rate-limited': 'You are sending too fast; wait a moment.',
  'chat.error.closed': 'The chat is not connected.',
  'chat.error.peer-changed': 'Not sent: someone else took the other seat.',
  'chat.unsaved': 'Storage is full: reloading loses waiting messages.',
};
