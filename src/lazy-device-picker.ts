// `<rtc-device-picker>` is a chunk of its own (a call needs it only when its settings open): these
// load it on first use. Its tag stays public: a page that places one gets it defined.

let loading: Promise<unknown> | undefined;

/** Loads and defines `<rtc-device-picker>`; a failed fetch is tried again on the next call. */
export function loadDevicePicker(): Promise<unknown> {
  loading ??= import('./rtc-device-picker.js').catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/** Whether `node` is, or holds, an `<rtc-device-picker>`. */
function holdsPicker(node: Node): boolean {
  return (
    node instanceof Element &&
    (node.localName === 'rtc-device-picker' || node.getElementsByTagName('rtc-device-picker').length > 0)
  );
}

/**
 * Defines `<rtc-device-picker>` once the document holds one, now or later (a framework may render
 * it after the script ran). Only added nodes are looked at, and the observer goes once the tag is
 * defined. A picker inside another element's shadow root is not seen: import
 * `rtc-device-picker.js` for it (or open a call's settings once).
 */
export function defineDevicePickerOnUse(root: Document = document): void {
  if (customElements.get('rtc-device-picker')) return;
  if (holdsPicker(root.documentElement)) {
    loadDevicePicker().catch(() => undefined);
    return;
  }
  const observer = new MutationObserver((records) => {
    if (!records.some((record) => [...record.addedNodes].some(holdsPicker))) return;
    observer.disconnect();
    loadDevicePicker().catch(() => undefined);
  });
  observer.observe(root, { childList: true, subtree: true });
  void customElements.whenDefined('rtc-device-picker').then(() => observer.disconnect());
}
