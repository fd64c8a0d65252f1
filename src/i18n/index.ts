import { en as enCall, type Strings } from './en.js';
import { enChat } from './en-chat.js';
import { enDevices } from './en-devices.js';
import { isChinese } from './load-strings.js';
import { zhCN } from './zh-CN.js';

export type { Strings } from './en.js';

/** The whole of English (the drop-in loads the chat's and the settings' parts with them). */
const en: Strings = { ...enCall, ...enChat, ...enDevices };

/** Languages built in. */
export const LANGUAGES = { en, 'zh-CN': zhCN } as const;

/** Picks the built-in strings for a BCP 47 tag (`zh`, `zh-CN`, `zh-Hans…` → Chinese, else English), with overrides. */
export function stringsFor(lang: string | null | undefined, overrides?: Partial<Strings> | null): Strings {
  const base = isChinese(lang) ? zhCN : en;
  return overrides ? { ...base, ...overrides } : base;
}
