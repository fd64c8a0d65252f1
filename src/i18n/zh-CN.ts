import type { Strings } from './en.js';

/** Simplified Chinese strings of the widget. */
export const zhCN: Strings = {
  'state.idle': '准备加入',
  'state.joining': '正在加入…',
  'state.waiting': '等待对方加入',
  'state.connecting': '正在连接…',
  'state.connected': '已连接',
  'state.reconnecting': '连接中断，正在重新连接…',
  'state.ended': '通话已结束',
  'state.failed': '通话失败',
  'action.join': '加入通话',
  'action.hangup': '挂断',
  'video.local': '你的摄像头',
  'video.remote': '对方',
  'error.permission-denied': '摄像头或麦克风权限被阻止。请在浏览器中允许后重试。',
  'error.device-not-found': '未找到摄像头或麦克风。',
  'error.device-in-use': '摄像头或麦克风正被其他应用占用。',
  'error.room-full': '该通话已有两人。',
  'error.unauthorized': '你无权加入该通话。',
  'error.invalid-room': '房间名无效。',
  'error.signaling-unreachable': '无法连接通话服务器。请检查网络后重试。',
  'error.ice-failed': '无法与对方建立连接。',
  'error.unsupported-browser': '此浏览器不支持视频通话。',
};
