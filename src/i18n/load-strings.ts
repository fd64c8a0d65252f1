import { en, type CallStrings } from './en.js';

/** Whether a BCP 47 tag picks the Chinese strings (`zh`, `zh-CN`, `zh-Hans…`); anything else is English. */
export function isChinese(lang: string | null | undefined): boolean {
  return /^zh(-|$)/i.test(lang ?? '');
}

// English is in every page; Chinese is a chunk of its own, fetched by the first element that needs it.
let zhCN: CallStrings | undefined;
let loading: Promise<unknown> | undefined;

/** The built-in strings for `lang` once they are loaded (English always is), else null. */
export function loadedStrings(lang: string | null | undefined): CallStrings | null {
  return isChinese(lang) ? (zhCN ?? null) : en;
}

/**
 * Loads the built-in strings for `lang`. An element awaits it before rendering, so a Chinese page
 * shows Chinese from its first frame; a chunk that cannot be fetched leaves the page in English.
 */
export async function loadStrings(lang: string | null | undefined): Promise<CallStrings> {
  if (!isChinese(lang)) return en;
  loading ??= import('./zh-CN.js').then(
    (module) => (zhCN = module.zhCN),
    () => (zhCN = en),
  );
  await loading;
  return zhCN!;
}
