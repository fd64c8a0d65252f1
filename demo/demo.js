// The demo page: a room made for this visit (or the one in the link), the link to send, as text,
// through the system's share sheet where there is one (Web Share API), and as a QR code for a
// phone; then the call. Bundled with its QR encoder (uqr) into dist/demo.js by `npm run build`.
import { renderSVG } from 'uqr';

const strings = {
  en: {
    title: 'rtc-call',
    intro: 'A 1:1 video call in your browser. Share the link, and the call starts when the other person opens it.',
    invite: 'Invite someone',
    inviteLabel: 'Link to this call',
    copy: 'Copy link',
    share: 'Share…',
    newRoom: 'New call',
    copied: 'Link copied.',
    copyFailed: 'Could not copy; select the link and copy it by hand.',
    qr: 'QR code of the link to this call',
    qrHelp: 'Scan it with a phone to join from there.',
    localhostHint: 'This page is on localhost: a phone cannot open that address. See “Joining from a phone”.',
    phoneTitle: 'Joining from a phone',
    phoneHelp:
      'Browsers allow the camera only on HTTPS pages (and on localhost). On the computer that runs the server, start it for your network:',
    phoneHelp2:
      "Then open https://this-computer's-address:8080 on both devices (the phone on the same Wi-Fi) and accept the certificate warning once; the QR code then points at that address.",
    room: 'Or go to a room by name',
    go: 'Go',
    shareTitle: 'Join my video call',
  },
  'zh-CN': {
    title: 'rtc-call',
    intro: '浏览器里的一对一视频通话。把链接发给对方，对方打开后通话即开始。',
    invite: '邀请对方',
    inviteLabel: '本次通话的链接',
    copy: '复制链接',
    share: '分享…',
    newRoom: '新通话',
    copied: '链接已复制。',
    copyFailed: '无法复制，请手动选中链接复制。',
    qr: '本次通话链接的二维码',
    qrHelp: '用手机扫码即可从手机加入。',
    localhostHint: '本页面在 localhost 上：手机无法打开这个地址。请看“从手机加入”。',
    phoneTitle: '从手机加入',
    phoneHelp:
      '浏览器只在 HTTPS 页面（以及 localhost）上允许使用摄像头。在运行服务器的电脑上，这样启动以供局域网使用：',
    phoneHelp2:
      '然后在两台设备上打开 https://这台电脑的地址:8080（手机连同一个 Wi-Fi），并接受一次证书警告；二维码随后就指向该地址。',
    room: '或按名称进入房间',
    go: '进入',
    shareTitle: '加入我的视频通话',
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

let room = new URL(location.href).searchParams.get('room') ?? '';
if (!/^[A-Za-z0-9_-]{1,64}$/.test(room)) room = newRoom();
// The link to send: this page and the room, nothing else the address bar may hold.
const url = new URL(location.pathname, location.origin);
url.searchParams.set('room', room);
if (url.href !== location.href) history.replaceState(null, '', url);

const call = document.getElementById('call');
const roomInput = document.getElementById('room-input');
const invite = document.getElementById('invite-link');
const copyStatus = document.getElementById('copy-status');
const share = document.getElementById('share-invite');
roomInput.value = room;
invite.value = url.href;
call.setAttribute('lang', lang);
call.room = room;

// The QR code: an SVG of squares only (no text from the link), drawn by uqr.
const qr = document.getElementById('qr');
qr.setAttribute('aria-label', t.qr);
try {
  qr.innerHTML = renderSVG(url.href, { border: 2 });
} catch {
  qr.hidden = true; // a link too long for a QR code: the copy and share buttons still work
}
// A phone cannot reach this computer's loopback address: say how to join from one instead.
document.getElementById('localhost-hint').hidden = !/^(localhost|127\.|\[::1\])/.test(location.hostname);

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

// The system's share sheet (phones, Safari, Edge) where the browser has one for this link.
const shared = { title: t.shareTitle, url: url.href };
if (navigator.canShare?.(shared)) {
  share.hidden = false;
  share.addEventListener('click', () => navigator.share(shared).catch(() => undefined));
}
