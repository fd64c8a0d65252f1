// The demo page: pick or generate a room, share the invite link, run the call.
const strings = {
  en: {
    title: 'rtc-call',
    intro: 'A 1:1 video call. Send the link below to the person you want to talk to.',
    room: 'Room',
    go: 'Go to room',
    invite: 'Invite link',
    copy: 'Copy link',
    copied: 'Link copied.',
    copyFailed: 'Could not copy; select the link and copy it by hand.',
  },
  'zh-CN': {
    title: 'rtc-call',
    intro: '一对一视频通话。把下面的链接发给你想通话的人。',
    room: '房间',
    go: '进入房间',
    invite: '邀请链接',
    copy: '复制链接',
    copied: '链接已复制。',
    copyFailed: '无法复制，请手动选中链接复制。',
  },
};

const lang = /^zh/i.test(navigator.language) ? 'zh-CN' : 'en';
const t = strings[lang];
document.documentElement.lang = lang;
for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t[el.dataset.i18n];

/** An unguessable room name: 128 random bits, base64url. */
function newRoom() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

const url = new URL(location.href);
let room = url.searchParams.get('room') ?? '';
if (!/^[A-Za-z0-9_-]{1,64}$/.test(room)) {
  room = newRoom();
  url.searchParams.set('room', room);
  history.replaceState(null, '', url);
}

const call = document.getElementById('call');
const roomInput = document.getElementById('room-input');
const invite = document.getElementById('invite-link');
const copyStatus = document.getElementById('copy-status');
roomInput.value = room;
invite.value = url.href;
call.setAttribute('lang', lang);
call.room = room;

document.getElementById('room-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const next = new URL(location.href);
  next.searchParams.set('room', roomInput.value);
  location.assign(next);
});

document.getElementById('copy-invite').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText(invite.value);
    copyStatus.textContent = t.copied;
  } catch {
    invite.select();
    copyStatus.textContent = t.copyFailed;
  }
});
